import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';

async function onMaintenanceDatabase(url: URL, statement: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function databaseName(url: URL): string {
  const name = url.pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported test database name "${name}"`);
  return name;
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  await onMaintenanceDatabase(url, `drop database if exists ${databaseName(url)} with (force)`);
}

/** A fresh database at the URL (a leftover of that name is dropped first), migrated the way production is. */
export async function createMigratedDatabase(databaseUrl: string): Promise<void> {
  await dropDatabase(databaseUrl);
  // The same command production runs; a child process also keeps MikroORM's global metadata out of jest's realm.
  const migrate = spawnSync(
    process.execPath,
    [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join(__dirname, '..', '..', 'scripts', 'migrate.ts')],
    { env: { ...process.env, DATABASE_URL: databaseUrl, STEWARD_ADMIN_USERNAME: 'admin', STEWARD_ADMIN_PASSWORD: 'test-admin-password' }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrating the test database ${databaseName(new URL(databaseUrl))} failed:\n${migrate.stdout}\n${migrate.stderr}`);
}
