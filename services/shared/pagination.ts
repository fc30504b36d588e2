import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadInputError } from './errors';
import { UUID } from './validation';

/** Relay's arguments: `first`/`after` page forward (towards older rows), `last`/`before` backward. */
export interface PageRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Page<T> {
  items: { cursor: string; node: T }[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** How many match over all pages; counted only when called, since a count reads every matching row. */
  countAll(): Promise<number>;
  startCursor: string | null;
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

function decodeCursor(cursor: string, argument: 'after' | 'before'): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !UUID.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new BadInputError('The cursor is not one this API gave out', argument);
  }
}

function pageSize(value: number | null | undefined, argument: 'first' | 'last'): number {
  const size = value ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new BadInputError(`${argument} must be between 1 and ${MAX_PAGE_SIZE}`, argument);
  }
  return size;
}

/** Rows after the cursor in the newest-first order (older), or before it (newer). */
function beyond<T>(cursor: { createdAt: Date; id: string }, direction: 'older' | 'newer'): FilterQuery<T> {
  const op = direction === 'older' ? '$lt' : '$gt';
  return { $or: [{ createdAt: { [op]: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { [op]: cursor.id } }] } as FilterQuery<T>;
}

/**
 * Keyset pagination, newest first: stable while rows are added, and cheap at any depth. Paging
 * backward reads the other way along the same index and reverses, so edges are always newest first.
 */
export async function paginateNewestFirst<T extends Keyed>(
  em: EntityManager,
  entity: new () => T,
  where: FilterQuery<T>,
  page: PageRequest,
): Promise<Page<T>> {
  const backward = page.last != null || page.before != null;
  if (backward && (page.first != null || page.after != null)) {
    throw new BadInputError('Page with first and after, or with last and before, not both', page.first != null ? 'first' : 'after');
  }
  const size = backward ? pageSize(page.last, 'last') : pageSize(page.first, 'first');
  const cursor = backward ? page.before : page.after;
  const pageWhere = cursor
    ? ({ $and: [where, beyond<T>(decodeCursor(cursor, backward ? 'before' : 'after'), backward ? 'newer' : 'older')] } as FilterQuery<T>)
    : where;
  const direction = backward ? 'asc' : 'desc';
  const rows = await em.find(entity, pageWhere, { orderBy: { createdAt: direction, id: direction } as never, limit: size + 1 });
  const hasMore = rows.length > size;
  const pageRows = rows.slice(0, size);
  if (backward) pageRows.reverse();
  const items = pageRows.map((node) => ({ cursor: encodeCursor(node), node }));
  let count: Promise<number> | undefined;
  const countAll = () => (count ??= em.count(entity, where));
  return {
    items,
    // The row a cursor names lies beyond the page, so paging from a cursor has rows on that side.
    hasNextPage: backward ? page.before != null : hasMore,
    hasPreviousPage: backward ? hasMore : page.after != null,
    countAll,
    startCursor: items[0]?.cursor ?? null,
    endCursor: items.at(-1)?.cursor ?? null,
  };
}
