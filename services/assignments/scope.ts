/**
 * Which systems client task assignments reach now, worked out in the database so that a firing
 * over 100,000 systems neither loads the tree nor its systems into memory.
 *
 * An assignment at node N reaches every system in N's subtree, except those at or below a node X
 * strictly below N where inheritance is broken. A break at N itself does not matter to N's own
 * assignments. This is lib/effective-tasks seen from the assignment instead of the system, and the
 * two must agree.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadInputError } from '../shared/errors';
import { assertId, UUID } from '../shared/validation';

export interface SystemInScope {
  id: string;
  name: string;
  timeZone: string;
  /** The node that reaches it. */
  executionNode: string;
}

export interface ReachedNode {
  id: string;
  name: string;
}

/**
 * Defines `reached_groups` and `reached_systems` for the assignments whose `assignmentColumn`
 * equals the one parameter: the walk down from each assigned group stops at groups with a break,
 * and a system with a break is reached only by assignments made on itself. UNION, not UNION ALL,
 * so that overlapping assignments (and even a cycle in the tree) reach each node once. Joins, not
 * an OR of IN lists, which the planner overestimates by orders of magnitude (and then JIT-compiles).
 */
function reachedBy(assignmentColumn: 'id' | 'client_task_id'): string {
  return `with recursive assigned as (
      select group_id, system_id from client_task_assignments where ${assignmentColumn} = ?
    ), reached_groups (id) as (
      select group_id from assigned where group_id is not null
      union
      select child.id from system_groups child join reached_groups parent on child.parent_id = parent.id
      where not exists (select 1 from inheritance_breaks b where b.group_id = child.id)
    ), reached_systems as (
      select s.id, s.name, s.time_zone, s.execution_node from managed_systems s join reached_groups g on g.id = s.group_id
      where not exists (select 1 from inheritance_breaks b where b.system_id = s.id)
      union
      select s.id, s.name, s.time_zone, s.execution_node from managed_systems s join assigned a on a.system_id = s.id
    )`;
}

/**
 * The systems an assignment reaches now, ordered by id, optionally only those in one time zone; page
 * with `afterId` (the last id of the previous page) and `limit`. An assignment that no longer exists
 * reaches nothing.
 */
export async function systemsInScope(em: EntityManager, assignmentId: string, options: { timeZone?: string; afterId?: string; limit?: number } = {}): Promise<SystemInScope[]> {
  assertId(assignmentId, 'Assignment');
  const { timeZone, afterId, limit } = options;
  if (afterId !== undefined && !UUID.test(afterId)) throw new BadInputError(`afterId must be a system id; got "${afterId}"`, 'afterId');
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new BadInputError(`limit must be a whole number of at least 1; got ${limit}`, 'limit');
  const conditions: string[] = [];
  const params: unknown[] = [assignmentId];
  if (timeZone !== undefined) {
    conditions.push('time_zone = ?');
    params.push(timeZone);
  }
  if (afterId !== undefined) {
    conditions.push('id > ?');
    params.push(afterId);
  }
  let sql = `${reachedBy('id')} select id, name, time_zone, execution_node from reached_systems`;
  if (conditions.length) sql += ` where ${conditions.join(' and ')}`;
  sql += ' order by id';
  if (limit !== undefined) {
    sql += ' limit ?';
    params.push(limit);
  }
  const rows = await em.execute<{ id: string; name: string; time_zone: string; execution_node: string }[]>(sql, params);
  return rows.map((row) => ({ id: row.id, name: row.name, timeZone: row.time_zone, executionNode: row.execution_node }));
}

/** The distinct time zones of the systems an assignment reaches now, sorted by code point. */
export async function timeZonesInScope(em: EntityManager, assignmentId: string): Promise<string[]> {
  assertId(assignmentId, 'Assignment');
  const rows = await em.execute<{ time_zone: string }[]>(`${reachedBy('id')} select distinct time_zone collate "C" as time_zone from reached_systems order by 1`, [assignmentId]);
  return rows.map((row) => row.time_zone);
}

/** The groups and systems that all assignments of a client task reach now, each by name: what deleting the task affects. */
export async function groupsAndSystemsReachedBy(em: EntityManager, clientTaskId: string): Promise<{ groups: ReachedNode[]; systems: ReachedNode[] }> {
  assertId(clientTaskId, 'Client task');
  const rows = await em.execute<{ kind: 'group' | 'system'; id: string; name: string }[]>(
    `${reachedBy('client_task_id')}
     select 'group' as kind, g.id, g.name from system_groups g where g.id in (select id from reached_groups)
     union all
     select 'system', id, name from reached_systems
     order by kind, name, id`,
    [clientTaskId],
  );
  const nodes = (kind: 'group' | 'system') => rows.filter((row) => row.kind === kind).map(({ id, name }) => ({ id, name }));
  return { groups: nodes('group'), systems: nodes('system') };
}
