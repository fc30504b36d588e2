/**
 * A Temporal cluster of one test's own (scripts/temporal-cluster.ts): its services as separate
 * processes on free loopback ports, its databases on the run's PostgreSQL under names of this
 * run, dropped again when it stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type ClusterOptions, HIGHEST_CLUSTER_PORT, type RunningCluster, type ServicePorts, clusterProcesses, databaseNames, startTemporalCluster } from '../../scripts/temporal-cluster';
import { dropDatabase } from './databases';
import { testEnvironment } from './test-env';

const TOOLS_BIN = path.resolve(__dirname, '..', '..', '.tools', 'bin');

export interface TestCluster extends RunningCluster {
  namespace: string;
  /** Where each process's log is. */
  logDir: string;
  /** The history process (`history-<n>`) that owns the shard of a workflow now. */
  historyHostOf(workflowId: string): Promise<string>;
  /** SIGKILLs one process (`matching`, `history-2`, …), the way a crash ends it; resolves once it has gone. */
  kill(name: string): Promise<void>;
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
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
  const databaseUrl = (name: string) => {
    const url = new URL(server);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const dropDatabases = async () => {
    for (const name of Object.values(databaseNames(clusterOptions.databasePrefix))) await dropDatabase(databaseUrl(name));
  };
  // Temporal's persistence database keeps each shard's owner in its row, as `<host>:<gRPC port>-…`.
  const historyHostOf = async (workflowId: string) => {
    const persistence = new Client({ connectionString: databaseUrl(databaseNames(clusterOptions.databasePrefix).default) });
    await persistence.connect();
    try {
      const { rows } = await persistence.query<{ data: Buffer }>(
        'select shards.data from current_executions join shards using (shard_id) where current_executions.workflow_id = $1',
        [workflowId],
      );
      if (rows.length !== 1) throw new Error(`${rows.length} executions of ${workflowId} in the cluster's persistence`);
      const owner = /127\.0\.0\.1:(\d+)/.exec(rows[0]!.data.toString('latin1'))?.[1];
      const host = clusterProcesses(clusterOptions.ports).find((each) => each.service === 'history' && String(each.ports.grpc) === owner);
      if (!host) throw new Error(`the shard of ${workflowId} names no history process of this cluster as its owner`);
      return host.name;
    } finally {
      await persistence.end();
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
      historyHostOf,
      async kill(name) {
        const member = cluster.processes.find((each) => each.name === name);
        if (!member) throw new Error(`the cluster has no process "${name}"`);
        process.kill(member.pid, 'SIGKILL');
        while (!isGone(member.pid)) await new Promise((resolve) => setTimeout(resolve, 50));
      },
      async stop() {
        await cluster.stop();
        await dropDatabases();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  };
  return { address: `127.0.0.1:${clusterOptions.ports.frontend.grpc}`, start };
}
