import type { EntityName, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from './errors';
import { assertId } from './validation';

/** The entity with this ID, or NOT_FOUND; a malformed ID is not found either, never a database error. */
export async function findByIdOrNotFound<T extends object>(em: EntityManager, entity: EntityName<T>, id: string, what: string): Promise<T> {
  assertId(id, what);
  const found = await em.findOne(entity, { id } as FilterQuery<T>);
  if (!found) throw new NotFoundError(what, id);
  return found;
}
