/**
 * The real services every benchmark of the suite shares: one Temporal dev server, one sshd and one
 * migrated database, started once, the way the test harness's global setup starts them. The
 * settings are published as the test environment, so the test fixtures (test/harness/) work here.
 */
import path from 'node:path';
import { DEFAULT_DATABASE_URL } from '../../infra/config';
import { findTemporalCli, startDevServer, waitForPort } from '../../scripts/temporal-dev-server';
import { ensureWorkflowBundle } from '../../temporal/workflow-bundle';
import { createMigratedDatabase, dropDatabase } from '../../test/harness/databases';
import { freePort } from '../../test/harness/ports';
import { startSshd } from '../../test/harness/sshd';
import { publishTestEnvironment, type TestEnvironment } from '../../test/harness/test-env';

export interface BenchServices {
  env: TestEnvironment;
  stop(): Promise<void>;
}

export async function startBenchServices(): Promise<BenchServices> {
  const temporalCli = findTemporalCli(path.resolve(__dirname, '..', '..'));
  if (!temporalCli) throw new Error('no Temporal CLI in .tools/bin: run `bash scripts/bootstrap.sh --tests`');
  const url = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  url.pathname = `/steward_bench_${process.pid}`;
  const databaseUrl = url.toString();

  const temporalPort = await freePort();
  const temporal = startDevServer({ executable: temporalCli, port: temporalPort, uiPort: 0, headless: true });
  const sshd = await startSshd().catch((error: unknown) => {
    temporal.kill('SIGTERM');
    throw error;
  });
  const stop = async () => {
    temporal.kill('SIGTERM');
    await sshd.stop();
    await dropDatabase(databaseUrl);
  };
  try {
    const [bundle] = await Promise.all([ensureWorkflowBundle(), createMigratedDatabase(databaseUrl), waitForPort(temporalPort)]);
    const shared = {
      temporalAddress: `127.0.0.1:${temporalPort}`,
      sshdHost: sshd.host,
      sshdPort: sshd.port,
      sshdFingerprint: sshd.hostKeyFingerprint,
      sshdLogFile: sshd.logFile,
      workflowBundlePath: bundle.codePath,
      temporalCli,
    };
    const slot = { databaseUrl, temporalNamespace: 'default' };
    publishTestEnvironment({ ...shared, slots: [slot] });
    const env: TestEnvironment = { ...shared, ...slot };
    return { env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
