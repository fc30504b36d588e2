import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client } from 'pg';
import { DEFAULT_DATABASE_URL } from '../../lib/config';
import { findTemporalCli, startDevServer, waitForPort } from '../../lib/temporal-dev-server';
import { startSshd } from './sshd';
import { publishTestEnvironment } from './test-env';
import { registerTeardown } from './teardown-registry';
import { freePort } from './ports';

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

/** A fresh database for this run (runs side by side do not share one), migrated the way production is. */
async function freshDatabase(): Promise<string> {
  const url = new URL(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  const name = `steward_test_${process.pid}`;
  url.pathname = `/${name}`;
  await onMaintenanceDatabase(url, `drop database if exists ${name} with (force)`);
  registerTeardown(() => onMaintenanceDatabase(url, `drop database if exists ${name} with (force)`));
  // The same command production runs; a child process also keeps MikroORM's global metadata out of jest's realm.
  const migrate = spawnSync(
    process.execPath,
    [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join(__dirname, '..', '..', 'scripts', 'migrate.ts')],
    { env: { ...process.env, DATABASE_URL: url.toString(), STEWARD_ADMIN_USERNAME: 'admin', STEWARD_ADMIN_PASSWORD: 'test-admin-password' }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrating the test database failed:\n${migrate.stdout}\n${migrate.stderr}`);
  return url.toString();
}

/** One Temporal dev server, one sshd and one database for the whole run. */
export default async function globalSetup(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const temporalCli = findTemporalCli(repoRoot);
  if (!temporalCli) throw new Error('no Temporal CLI in .tools/bin: run `bash scripts/bootstrap.sh --tests` (npm test does)');

  const temporalPort = await freePort();
  const temporal = startDevServer({ executable: temporalCli, port: temporalPort, uiPort: 0, headless: true });
  registerTeardown(async () => {
    temporal.kill('SIGTERM');
  });
  const [databaseUrl, sshd, bundle] = await Promise.all([
    freshDatabase(),
    startSshd(),
    // Bundled once here instead of once per test file.
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') }),
  ]);
  registerTeardown(() => sshd.stop());
  await waitForPort(temporalPort);

  const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'steward-bundle-'));
  const workflowBundlePath = path.join(bundleDir, 'workflows.js');
  writeFileSync(workflowBundlePath, bundle.code);

  publishTestEnvironment({
    databaseUrl,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    sshdHost: sshd.host,
    sshdPort: sshd.port,
    sshdFingerprint: sshd.hostKeyFingerprint,
    sshdLogFile: sshd.logFile,
    workflowBundlePath,
    temporalCli,
  });
}
