import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ormConfig } from './orm-config';

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

export async function openDatabase(databaseUrl: string): Promise<MikroORM> {
  return MikroORM.init(ormConfig(databaseUrl));
}

/** Applies every pending migration; returns the names applied. */
export async function migrateDatabase(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}

/**
 * SQLSTATEs of a server that cannot serve now: a broken connection (class 08), one shutting down,
 * crashed or starting up (57P01–57P03), or out of connection slots (53300). Not 08P01, a protocol
 * violation: that is a request the server refused (a NUL in a bound text), and retrying it fails again.
 */
const UNAVAILABLE_SQLSTATE = /^(08(?!P01)...|57P0[1-3]|53300)$/;
/** Socket errors of a server that is down or out of reach. */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** What pg and knex say, without a code, when a connection dies or none can be had. */
const UNAVAILABLE_MESSAGE = /Connection terminated|Connection ended unexpectedly|Client has encountered a connection error|timeout exceeded when trying to connect|Timeout acquiring a connection/;

/**
 * Whether an error says PostgreSQL cannot be reached at the moment (down, restarting, the
 * connection lost), as opposed to a query that failed: the same call may well work a little later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
  if (UNAVAILABLE_MESSAGE.test(error.message)) return true;
  // A connection to a name with several addresses fails with one error per address.
  return error instanceof AggregateError && error.errors.some(isDatabaseUnavailable);
}
