import { Client } from 'pg';
import { migrations } from '../../db/migrations';
import { type CheckResult, errorMessage, fail, ok, warn } from './doctor-check';

/** More than this between this machine's clock and PostgreSQL's upsets schedules, time windows and token lifetimes. */
const MAX_CLOCK_SKEW_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

export interface DatabaseFindings {
  results: CheckResult[];
  /** The registered worker nodes, when PostgreSQL answered. */
  nodes?: string[];
}

/** Where the database is, without the password a URL may carry. */
function describeDatabase(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** PostgreSQL answers, its migrations are all applied, and its clock agrees with this machine's. */
export async function checkDatabase(databaseUrl: string): Promise<DatabaseFindings> {
  const where = describeDatabase(databaseUrl);
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: CONNECT_TIMEOUT_MS });
  // A connection that dies between queries fails the query in flight; the event itself needs no handling.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    return { results: [fail('postgres', `cannot connect to ${where} (${errorMessage(error)})`, 'start PostgreSQL, or set DATABASE_URL to where it runs; a missing database is created by node dist/scripts/migrate.js')] };
  }
  try {
    const sentAt = Date.now();
    const { rows } = await client.query<{ now: Date; version: string }>("select now() as now, current_setting('server_version') as version");
    const receivedAt = Date.now();
    const { now, version } = rows[0]!;
    const results = [ok('postgres', `${where} answers (PostgreSQL ${version})`), await checkMigrations(client), checkClock(now, sentAt, receivedAt)];
    const nodes = await client.query<{ name: string }>('select name from nodes order by name').then(
      (found) => found.rows.map((row) => row.name),
      () => undefined,
    );
    return { results, nodes };
  } finally {
    await client.end();
  }
}

async function checkMigrations(client: Client): Promise<CheckResult> {
  const fix = 'run node dist/scripts/migrate.js (npm start migrates by itself) with the same DATABASE_URL';
  const { rows } = await client.query<{ found: string | null }>("select to_regclass('mikro_orm_migrations')::text as found");
  if (!rows[0]!.found) return fail('migrations', 'the database has never been migrated', fix);
  const applied = new Set((await client.query<{ name: string }>('select name from mikro_orm_migrations')).rows.map((row) => row.name.replace(/\.[jt]s$/, '')));
  const pending = migrations.map((migration) => migration.name).filter((name) => !applied.has(name));
  if (pending.length > 0) return fail('migrations', `${pending.length} of ${migrations.length} not applied (${pending.join(', ')})`, fix);
  return ok('migrations', `all ${migrations.length} applied`);
}

/** PostgreSQL's now() is compared with the middle of the round trip that fetched it. */
function checkClock(databaseNow: Date, sentAt: number, receivedAt: number): CheckResult {
  const skewMs = (sentAt + receivedAt) / 2 - databaseNow.getTime();
  const detail = `this machine is ${(Math.abs(skewMs) / 1000).toFixed(2)} s ${skewMs >= 0 ? 'ahead of' : 'behind'} PostgreSQL's clock`;
  if (Math.abs(skewMs) > MAX_CLOCK_SKEW_MS) return warn('clock', `${detail} (more than ${MAX_CLOCK_SKEW_MS / 1000} s)`, 'keep both machines in time with NTP (chrony or systemd-timesyncd)');
  return ok('clock', detail);
}
