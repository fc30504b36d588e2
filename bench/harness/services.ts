/**
 * The real services every benchmark of the suite shares: one Temporal server, one sshd and one
 * migrated database, started once, the way the test harness's global setup starts them. The
 * Temporal server is the dev server, or with `--cluster` a PostgreSQL-backed cluster of separate
 * processes (scripts/temporal-cluster.ts). The settings are published as the test environment,
 * so the test fixtures (test/harness/) work here.
 */
import path from 'node:path';
import { DEFAULT_DATABASE_URL } from '../../infra/config';
import { findTemporalCli, startDevServer, waitForPort } from '../../scripts/temporal-dev-server';
import { ensureWorkflowBundle } from '../../temporal/workflow-bundle';
import { createMigratedDatabase, dropDatabase } from '../../test/harness/databases';
import { freePort } from '../../test/harness/ports';
import { sshdEnvironment, startSshd } from '../../test/harness/sshd';
import { planTestCluster } from '../../test/harness/temporal-cluster';
import { publishTestEnvironment, type TestEnvironment } from '../../test/harness/test-env';

export interface BenchServices {
  env: TestEnvironment;
  /** What the Temporal server is, for the table's heading. */
  temporal: string;
  stop(): Promise<void>;
}

interface BenchTemporal {
  address: string;
  namespace: string;
  stop(): Promise<void>;
}

async function startDevTemporal(temporalCli: string): Promise<BenchTemporal> {
  const port = await freePort();
  const server = startDevServer({ executable: temporalCli, port, uiPort: 0, headless: true });
  try {
    await waitForPort(port);
  } catch (error) {
    server.kill('SIGTERM');
    throw error;
  }
  return { address: `127.0.0.1:${port}`, namespace: 'default', stop: async () => void server.kill('SIGTERM') };
}

async function startClusterTemporal(): Promise<BenchTemporal> {
  const cluster = await (await planTestCluster()).start();
  return { address: cluster.address, namespace: cluster.namespace, stop: () => cluster.stop() };
}

export async function startBenchServices(options: { cluster?: boolean } = {}): Promise<BenchServices> {
  const temporalCli = findTemporalCli(path.resolve(__dirname, '..', '..'));
  if (!temporalCli) throw new Error('no Temporal CLI in .tools/bin: run `bash scripts/bootstrap.sh --tests`');
  const url = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  url.pathname = `/steward_bench_${process.pid}`;
  const databaseUrl = url.toString();
  const [sshd, bundle] = await Promise.all([startSshd(), ensureWorkflowBundle(), createMigratedDatabase(databaseUrl)]);
  const shared = { ...sshdEnvironment(sshd), workflowBundlePath: bundle.codePath, temporalCli };
  const publish = (temporal: { address: string; namespace: string }) => {
    const slot = { databaseUrl, temporalNamespace: temporal.namespace };
    publishTestEnvironment({ ...shared, temporalAddress: temporal.address, slots: [slot] });
    return { ...shared, temporalAddress: temporal.address, ...slot };
  };
  let temporal: BenchTemporal | undefined;
  const stop = async () => {
    await temporal?.stop();
    await sshd.stop();
    await dropDatabase(databaseUrl);
  };
  try {
    // The cluster keeps its databases on the same PostgreSQL server, which it reads from the environment.
    if (options.cluster) publish({ address: '', namespace: 'default' });
    temporal = options.cluster ? await startClusterTemporal() : await startDevTemporal(temporalCli);
    return { env: publish(temporal), temporal: options.cluster ? `a Temporal cluster (${temporal.address})` : 'the Temporal dev server', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
