import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadInputError } from './errors';
import { UUID } from './validation';

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  items: { cursor: string; node: T }[];
  hasNextPage: boolean;
  totalCount: number;
  endCursor: string | null;
}

interface Keyed {
  id: string;
  createdAt: Date;
}

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 25;

function encodeCursor(row: Keyed): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !UUID.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new BadInputError('The cursor is not one this API gave out', 'after');
  }
}

/** Keyset pagination, newest first: stable while rows are added, and cheap at any depth. */
export async function paginateNewestFirst<T extends Keyed>(
  em: EntityManager,
  entity: new () => T,
  where: FilterQuery<T>,
  page: PageRequest,
): Promise<Page<T>> {
  const first = page.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  let pageWhere = where;
  if (page.after) {
    const { createdAt, id } = decodeCursor(page.after);
    const before = { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: id } }] } as FilterQuery<T>;
    pageWhere = { $and: [where, before] } as FilterQuery<T>;
  }
  const orderBy = { createdAt: 'desc', id: 'desc' } as never;
  const [rows, totalCount] = await Promise.all([
    em.find(entity, pageWhere, { orderBy, limit: first + 1 }),
    em.count(entity, where),
  ]);
  const items = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
  return { items, hasNextPage: rows.length > first, totalCount, endCursor: items.at(-1)?.cursor ?? null };
}
