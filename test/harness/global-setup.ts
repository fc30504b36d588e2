import path from 'node:path';
import type { Config } from '@jest/types';
import { DEFAULT_DATABASE_URL } from '../../infra/config';
import { ensureWorkflowBundle } from '../../temporal/workflow-bundle';
import { findTemporalCli, startDevServer, waitForPort } from '../../scripts/temporal-dev-server';
import { createMigratedDatabase, dropDatabase } from './databases';
import { sshdEnvironment, startSshd } from './sshd';
import { publishTestEnvironment } from './test-env';
import { registerTeardown } from './teardown-registry';
import { freePort } from './ports';

/** A fresh database for one jest worker of this run (runs side by side do not share one either). */
async function freshDatabase(slot: number): Promise<string> {
  const url = new URL(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  url.pathname = `/steward_test_${process.pid}_${slot}`;
  const databaseUrl = url.toString();
  registerTeardown(() => dropDatabase(databaseUrl));
  await createMigratedDatabase(databaseUrl);
  return databaseUrl;
}

/**
 * One Temporal dev server and one sshd for the whole run; a database and a Temporal namespace for
 * each jest worker, so test files running side by side never meet each other's jobs.
 */
export default async function globalSetup(globalConfig: Config.GlobalConfig): Promise<void> {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const temporalCli = findTemporalCli(repoRoot);
  if (!temporalCli) throw new Error('no Temporal CLI in .tools/bin: run `bash scripts/bootstrap.sh --tests` (npm test does)');

  const slotNumbers = Array.from({ length: Math.max(1, globalConfig.maxWorkers) }, (_, index) => index + 1);
  const namespaces = slotNumbers.map((slot) => `steward-test-${slot}`);
  const temporalPort = await freePort();
  const temporal = startDevServer({ executable: temporalCli, port: temporalPort, uiPort: 0, headless: true, namespaces });
  registerTeardown(async () => {
    temporal.kill('SIGTERM');
  });
  const [databaseUrls, sshd, bundle] = await Promise.all([
    Promise.all(slotNumbers.map((slot) => freshDatabase(slot))),
    startSshd(),
    // Bundled once, and only when the workflows changed: in-process workers and worker processes (scripts/worker.ts) all load it.
    ensureWorkflowBundle(),
  ]);
  registerTeardown(() => sshd.stop());
  await waitForPort(temporalPort);

  publishTestEnvironment({
    slots: slotNumbers.map((slot, index) => ({ databaseUrl: databaseUrls[index]!, temporalNamespace: namespaces[index]! })),
    temporalAddress: `127.0.0.1:${temporalPort}`,
    ...sshdEnvironment(sshd),
    workflowBundlePath: bundle.codePath,
    temporalCli,
  });
}
