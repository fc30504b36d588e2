import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DEFAULT_DATABASE_URL } from '../../infra/config';
import { FAILURE_CONVERTER_PATH } from '../../temporal/data-converter';
import { findTemporalCli, startDevServer, waitForPort } from '../../scripts/temporal-dev-server';
import { createMigratedDatabase, dropDatabase } from './databases';
import { startSshd } from './sshd';
import { publishTestEnvironment } from './test-env';
import { registerTeardown } from './teardown-registry';
import { freePort } from './ports';

/** A fresh database for this run (runs side by side do not share one). */
async function freshDatabase(): Promise<string> {
  const url = new URL(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  url.pathname = `/steward_test_${process.pid}`;
  const databaseUrl = url.toString();
  registerTeardown(() => dropDatabase(databaseUrl));
  await createMigratedDatabase(databaseUrl);
  return databaseUrl;
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
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), failureConverterPath: FAILURE_CONVERTER_PATH }),
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
