/**
 * A Temporal cluster of one test's own (scripts/temporal-cluster.ts): its services as separate
 * processes on free loopback ports, its databases on the run's PostgreSQL under names of this
 * run, dropped again when it stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ClusterOptions, HIGHEST_CLUSTER_PORT, type RunningCluster, type ServicePorts, databaseNames, startTemporalCluster } from '../../scripts/temporal-cluster';
import { dropDatabase } from './databases';
import { testEnvironment } from './test-env';

const TOOLS_BIN = path.resolve(__dirname, '..', '..', '.tools', 'bin');

export interface TestCluster extends RunningCluster {
  namespace: string;
  /** Where each process's log is. */
  logDir: string;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port from 20000 up to the cluster's limit: the kernel's ephemeral ports (freePort) lie above it. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * (HIGHEST_CLUSTER_PORT - 20_000));
    if (!taken.has(port) && (await canListen(port))) {
      taken.add(port);
      return port;
    }
  }
}

export interface PlannedCluster {
  /** Where the frontend will listen, known before it starts, so processes that connect lazily can start alongside. */
  address: string;
  start(): Promise<TestCluster>;
}

export async function planTestCluster(options: { historyHosts?: number } = {}): Promise<PlannedCluster> {
  const server = new URL(testEnvironment().databaseUrl);
  server.pathname = '';
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'steward-temporal-cluster-'));
  const taken = new Set<number>();
  const servicePorts = async (): Promise<ServicePorts> => ({ grpc: await freeClusterPort(taken), membership: await freeClusterPort(taken) });
  const clusterOptions: ClusterOptions = {
    serverBinary: path.join(TOOLS_BIN, 'temporal-server'),
    sqlTool: path.join(TOOLS_BIN, 'temporal-sql-tool'),
    postgresUrl: server.toString(),
    databasePrefix: `steward_temporal_test_${process.pid}`,
    namespace: 'default',
    stateDir,
    ports: {
      frontend: { ...(await servicePorts()), http: await freeClusterPort(taken) },
      matching: await servicePorts(),
      worker: await servicePorts(),
      history: await Promise.all(Array.from({ length: options.historyHosts ?? 2 }, () => servicePorts())),
    },
  };
  const dropDatabases = async () => {
    for (const name of Object.values(databaseNames(clusterOptions.databasePrefix))) {
      const url = new URL(server);
      url.pathname = `/${name}`;
      await dropDatabase(url.toString());
    }
  };
  const start = async (): Promise<TestCluster> => {
    // Leftovers of an earlier run of the same PID would carry its shards and membership.
    await dropDatabases();
    let cluster: RunningCluster;
    try {
      cluster = await startTemporalCluster(clusterOptions);
    } catch (error) {
      await dropDatabases();
      throw error;
    }
    return {
      ...cluster,
      namespace: clusterOptions.namespace,
      logDir: path.join(stateDir, 'logs'),
      async stop() {
        await cluster.stop();
        await dropDatabases();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  };
  return { address: `127.0.0.1:${clusterOptions.ports.frontend.grpc}`, start };
}
