import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * What a refused call must leave as it was: per table, the row count and, where the table has
 * them, the latest `updated_at` and the highest `version`. The audit log is the one table a
 * refusal may write to (refusals are audited), so only its rows of other outcomes count: by
 * default those other than refusals: `REFUSED`, `FAILURE` (which services write for their own
 * refusals) and `NOT_FOUND` (how a refusal on an object the caller may not see is answered, and
 * so audited). A caller that sends failing calls of every kind passes `FAILED_CALL_OUTCOMES`.
 * `login_throttle` counts as any other table: login is open to everyone, so no refused call is a
 * login, and none may touch the throttle. `api_tokens.last_used_at`, which every authenticated
 * call may bump, is left out: the table has `updated_at`, which that bump does not move.
 */
export type RowState = Record<string, string>;

const AUDIT_TABLE = 'audit_events';

export const REFUSAL_OUTCOMES = ['FAILURE', 'REFUSED', 'NOT_FOUND'] as const;
/** Every outcome a call that ends in an error may audit (`services/shared/audit.ts`, `api/audit-failed-mutations.ts`). */
export const FAILED_CALL_OUTCOMES = [...REFUSAL_OUTCOMES, 'INVALID', 'CONFLICT'] as const;

export async function rowStateReader(orm: MikroORM, uncountedAuditOutcomes: readonly string[] = REFUSAL_OUTCOMES): Promise<() => Promise<RowState>> {
  const connection = orm.em.fork().getConnection();
  const columns = await connection.execute<{ table_name: string; column_name: string }[]>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'`,
  );
  const tables = new Map<string, Set<string>>();
  for (const { table_name: table, column_name: column } of columns) tables.set(table, (tables.get(table) ?? new Set()).add(column));
  const parts = [...tables].sort(([a], [b]) => a.localeCompare(b)).map(([table, names]) => {
    const count = table === AUDIT_TABLE ? `count(*) filter (where outcome not in (${uncountedAuditOutcomes.map((outcome) => `'${outcome}'`).join(', ')}))` : 'count(*)';
    const extras = [names.has('updated_at') ? `coalesce(max(updated_at)::text, '-')` : null, names.has('version') ? `coalesce(max(version)::text, '-')` : null].filter(Boolean);
    const value = [`${count}::text`, ...extras].join(` || '/' || `);
    return `select '${table}' as name, ${value} as state from "${table}"`;
  });
  const query = parts.join(' union all ');
  return async () => {
    const rows = await orm.em.fork().getConnection().execute<{ name: string; state: string }[]>(query);
    return Object.fromEntries(rows.map((row) => [row.name, row.state]));
  };
}

/**
 * Resolves once every engine command that is due is delivered, so nothing writes behind the next
 * refused call's back. A job's start waiting for its time (the due-time dispatcher) is not due
 * for days, and writes nothing until then.
 */
export async function outboxDrained(orm: MikroORM): Promise<boolean> {
  const [row] = await orm.em.fork().getConnection().execute<{ pending: string }[]>('select count(*) as pending from engine_outbox where delivered_at is null and due_at <= now()');
  return row!.pending === '0';
}
