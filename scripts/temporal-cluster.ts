/**
 * A PostgreSQL-backed Temporal cluster on this machine: the server built from its Go module
 * (`bash scripts/bootstrap.sh --cluster`), its schemas set up with temporal-sql-tool, and each
 * service as its own process on loopback: frontend, matching, worker and several history hosts.
 *
 *   npx ts-node --transpile-only scripts/temporal-cluster.ts start   starts it, returns once it serves
 *   npx ts-node --transpile-only scripts/temporal-cluster.ts stop    stops the processes `start` left running
 *
 * Settings (environment): TEMPORAL_CLUSTER_POSTGRES (default postgres://postgres@127.0.0.1:5432),
 * TEMPORAL_CLUSTER_DB_PREFIX (steward_temporal), TEMPORAL_CLUSTER_PORT (the frontend's gRPC port,
 * 7300; the other ports follow it), TEMPORAL_CLUSTER_HISTORY_HOSTS (2), TEMPORAL_NAMESPACE (default),
 * TEMPORAL_CLUSTER_DIR (.data/temporal-cluster: configuration, logs, process IDs).
 * docs/temporal-cluster.md describes the ports and processes.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { Client as PgClient } from 'pg';
import { STEWARD_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { waitForPort } from './temporal-dev-server';

const run = promisify(execFile);
/** gRPC status codes the readiness steps tell apart. */
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const REPO_ROOT = path.resolve(__dirname, '..');

/** What docker-compose.yml must match (test/docker-compose.test.ts checks it): fixed once a cluster has data. */
export const CLUSTER_PERSISTENCE = {
  plugin: 'postgres12',
  /** The number of history shards cannot change after the first start. */
  historyShards: 4,
  schemas: { default: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' },
} as const;

export interface ServicePorts {
  grpc: number;
  membership: number;
}

export interface ClusterPorts {
  frontend: ServicePorts & { http: number };
  matching: ServicePorts;
  worker: ServicePorts;
  /** One entry per history process. */
  history: ServicePorts[];
}

export interface ClusterOptions {
  /** `temporal-server` and `temporal-sql-tool`, as bootstrap links them into .tools/bin. */
  serverBinary: string;
  sqlTool: string;
  /** A PostgreSQL server URL (user, password, host, port); the databases are the cluster's own. */
  postgresUrl: string;
  /** The databases: `<prefix>` for persistence, `<prefix>_visibility` for visibility. */
  databasePrefix: string;
  namespace: string;
  /** Where the configuration, the logs and the process IDs go. */
  stateDir: string;
  ports: ClusterPorts;
}

export interface RunningCluster {
  /** The frontend, for TEMPORAL_ADDRESS. */
  address: string;
  /** Each process's name and PID. */
  processes: { name: string; pid: number }[];
  /** Starts one process again once it has gone (restartClusterMember), and records its new PID in `processes`. */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterProcess {
  name: string;
  service: 'frontend' | 'matching' | 'worker' | 'history';
  ports: ServicePorts;
}

/** The ports from the frontend's gRPC port: frontend P, P+1 (HTTP), P+2 (membership); then 10 apart, gRPC and membership. */
export function clusterPortsFrom(frontendPort: number, historyHosts: number): ClusterPorts {
  const at = (slot: number): ServicePorts => ({ grpc: frontendPort + 10 * slot, membership: frontendPort + 10 * slot + 1 });
  return {
    frontend: { grpc: frontendPort, http: frontendPort + 1, membership: frontendPort + 2 },
    matching: at(1),
    worker: at(2),
    history: Array.from({ length: historyHosts }, (_, i) => at(3 + i)),
  };
}

/** Temporal records its hosts' ports in a smallint column, so none may be above this. */
export const HIGHEST_CLUSTER_PORT = 32767;

export function databaseNames(prefix: string): { default: string; visibility: string } {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`the database prefix "${prefix}" must be lower-case letters, digits and underscores`);
  return { default: prefix, visibility: `${prefix}_visibility` };
}

export function clusterProcesses(ports: ClusterPorts): ClusterProcess[] {
  return [
    { name: 'frontend', service: 'frontend', ports: ports.frontend },
    { name: 'matching', service: 'matching', ports: ports.matching },
    { name: 'worker', service: 'worker', ports: ports.worker },
    ...ports.history.map((historyPorts, i): ClusterProcess => ({ name: `history-${i + 1}`, service: 'history', ports: historyPorts })),
  ];
}

function postgresSettings(postgresUrl: string) {
  const url = new URL(postgresUrl);
  return { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password) };
}

function say(started: number, step: string): void {
  console.log(`[temporal-cluster] ${((Date.now() - started) / 1000).toFixed(1)} s  ${step}`);
}

/** Creates the two databases if missing and brings their schemas to this server version's, with temporal-sql-tool. */
async function setupSchemas(options: ClusterOptions): Promise<void> {
  const pg = postgresSettings(options.postgresUrl);
  const names = databaseNames(options.databasePrefix);
  const admin = new PgClient({ host: pg.host, port: pg.port, user: pg.user, password: pg.password || undefined, database: 'postgres' });
  await admin.connect();
  const existing = await admin.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [[names.default, names.visibility]]);
  await admin.end();
  const connection = ['--plugin', CLUSTER_PERSISTENCE.plugin, '--endpoint', pg.host, '--port', String(pg.port), '--user', pg.user];
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  const sqlTool = (database: string, ...args: string[]) => run(options.sqlTool, [...connection, '--db', database, ...args], { env });
  await Promise.all(
    (['default', 'visibility'] as const).map(async (store) => {
      const database = names[store];
      if (!existing.rows.some((row) => row.datname === database)) await sqlTool(database, 'create-database');
      // Version 0.0 only makes the version tables (kept if present); the update applies every versioned step since.
      await sqlTool(database, 'setup-schema', '--version', '0.0');
      await sqlTool(database, 'update-schema', '--schema-name', CLUSTER_PERSISTENCE.schemas[store]);
    }),
  );
}

/**
 * A process's connections to each database: the cluster shares the machine's PostgreSQL (100
 * connections by default) with Steward and its tests, so it takes at most 35, history the most.
 */
function connectionLimits(service: ClusterProcess['service']): { persistence: number; visibility: number } {
  return { persistence: service === 'history' ? 8 : 3, visibility: 2 };
}

/** The server configuration of one process; they differ in the history host's ports and the pool sizes. */
function serverConfig(options: ClusterOptions, member: ClusterProcess): Record<string, unknown> {
  const pg = postgresSettings(options.postgresUrl);
  const names = databaseNames(options.databasePrefix);
  const store = (database: string, maxConns: number) => ({
    sql: {
      pluginName: CLUSTER_PERSISTENCE.plugin,
      databaseName: database,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns,
      maxIdleConns: Math.min(2, maxConns),
      maxConnLifetime: '1h',
    },
  });
  const rpc = (ports: ServicePorts, extra: Record<string, number> = {}) => ({ rpc: { grpcPort: ports.grpc, membershipPort: ports.membership, bindOnIP: '127.0.0.1', ...extra } });
  const frontend = `127.0.0.1:${options.ports.frontend.grpc}`;
  const limits = connectionLimits(member.service);
  const historyPorts = member.service === 'history' ? member.ports : options.ports.history[0]!;
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: CLUSTER_PERSISTENCE.historyShards,
      datastores: { default: store(names.default, limits.persistence), visibility: store(names.visibility, limits.visibility) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(options.ports.frontend, { httpPort: options.ports.frontend.http }),
      matching: rpc(options.ports.matching),
      worker: rpc(options.ports.worker),
      history: rpc(historyPorts),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend, httpAddress: `127.0.0.1:${options.ports.frontend.http}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: frontend },
  };
}

function pidFile(stateDir: string): string {
  return path.join(stateDir, 'pids.json');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the given members, detached, each with its configuration under config/ and its log under logs/. */
function startProcesses(options: ClusterOptions, members: ClusterProcess[]): { name: string; pid: number }[] {
  const configDir = path.join(options.stateDir, 'config');
  const logDir = path.join(options.stateDir, 'logs');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const started = members.map((each) => {
    // The server reads <config>/<env>.yaml, so each process's file is named after it; JSON is YAML.
    const config = serverConfig(options, each);
    writeFileSync(path.join(configDir, `${each.name}.yaml`), JSON.stringify(config, null, 2), { mode: 0o600 });
    const log = openSync(path.join(logDir, `${each.name}.log`), 'a');
    const child = spawn(options.serverBinary, ['--root', options.stateDir, '--config', 'config', '--env', each.name, '--allow-no-auth', 'start', '--service', each.service], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    // A failed spawn also emits 'error'; the missing PID below reports it.
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${options.serverBinary} for ${each.name}`);
    return { name: each.name, pid: child.pid };
  });
  return started;
}

/**
 * Waits until the first process has written the cluster's metadata row. Every process writes it
 * at start when it is missing, so processes started together on a new database race for it, and
 * the losers exit on a duplicate key.
 */
async function waitForClusterMetadata(options: ClusterOptions, first: { name: string; pid: number }, timeoutMs: number): Promise<void> {
  const pg = postgresSettings(options.postgresUrl);
  const database = new PgClient({ host: pg.host, port: pg.port, user: pg.user, password: pg.password || undefined, database: databaseNames(options.databasePrefix).default });
  await database.connect();
  try {
    await retrying(`waiting for ${first.name} to write the cluster metadata`, timeoutMs, async () => {
      if (!isAlive(first.pid)) throw new Error(`${first.name} exited`);
      const { rowCount } = await database.query('select 1 from cluster_metadata_info limit 1');
      if (!rowCount) throw new Error('no cluster metadata yet');
    });
  } finally {
    await database.end();
  }
}

/** SIGTERM to each process `start` recorded in the state directory, SIGKILL to any still there after 15 s. */
export async function stopCluster(stateDir: string): Promise<void> {
  if (!existsSync(pidFile(stateDir))) return;
  const processes = JSON.parse(readFileSync(pidFile(stateDir), 'utf8')) as { name: string; pid: number }[];
  for (const { pid } of processes) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (processes.some(({ pid }) => isAlive(pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const { pid } of processes) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile(stateDir));
}

/**
 * Starts one process of a running cluster again, with the command and configuration `start` gave
 * it, once it has gone (it crashed, or was killed): it takes its place in the ring and its share
 * of the work back. Resolves once it listens on its membership port.
 */
export async function restartClusterMember(options: ClusterOptions, name: string, timeoutMs = 60_000): Promise<{ name: string; pid: number }> {
  const member = clusterProcesses(options.ports).find((each) => each.name === name);
  if (!member) throw new Error(`the cluster has no process "${name}"`);
  const recorded = JSON.parse(readFileSync(pidFile(options.stateDir), 'utf8')) as { name: string; pid: number }[];
  const previous = recorded.find((each) => each.name === name);
  if (!previous) throw new Error(`${name} is not among the processes recorded in ${options.stateDir}`);
  if (isAlive(previous.pid)) throw new Error(`${name} still runs as PID ${previous.pid}`);
  const [restarted] = startProcesses(options, [member]);
  writeFileSync(pidFile(options.stateDir), JSON.stringify(recorded.map((each) => (each === previous ? restarted : each))));
  await waitForPort(member.ports.membership, '127.0.0.1', timeoutMs);
  return restarted;
}

function logTail(options: ClusterOptions): string {
  return clusterProcesses(options.ports)
    .map(({ name }) => {
      const file = path.join(options.stateDir, 'logs', `${name}.log`);
      const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n') : '(no log)';
      return `--- ${name} ---\n${lines}`;
    })
    .join('\n');
}

async function retrying<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} failed for ${timeoutMs / 1000} s: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Registers the namespace and Steward's search attributes (both kept if there), and waits until the cluster serves them. */
async function prepareNamespace(options: ClusterOptions, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address: `127.0.0.1:${options.ports.frontend.grpc}` });
  const { namespace } = options;
  const tolerateExisting = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      if ((error as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw error;
    }
  };
  try {
    await retrying('registering the namespace', timeoutMs, () =>
      tolerateExisting(() => connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') })),
    );
    // A new namespace reaches each service's cache within its refresh interval.
    await retrying('reading the namespace', timeoutMs, () => connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }));
    // Only the missing ones are added, then read back until every service's cache has them.
    await retrying('registering the search attributes', timeoutMs, async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = STEWARD_SEARCH_ATTRIBUTES.filter((key) => !customAttributes?.[key.name]);
      if (missing.length === 0) return;
      const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]));
      await tolerateExisting(() => connection.operatorService.addSearchAttributes({ namespace, searchAttributes }));
      throw new Error(`not yet registered: ${missing.map((key) => key.name).join(', ')}`);
    });
    // History answers for its shards only once the hosts have joined the ring: a lookup of a workflow that is not there says NOT_FOUND then.
    await retrying('asking history about a workflow', timeoutMs, async () => {
      try {
        await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: 'steward-cluster-readiness-probe' } });
      } catch (error) {
        if ((error as { code?: number }).code !== GRPC_NOT_FOUND) throw error;
      }
    });
  } finally {
    await connection.close();
  }
}

/** Sets up the schemas, starts the processes and resolves once the cluster serves the namespace; stops what it started if it does not. */
export async function startTemporalCluster(options: ClusterOptions, timeoutMs = 120_000): Promise<RunningCluster> {
  const started = Date.now();
  for (const binary of [options.serverBinary, options.sqlTool]) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`bash scripts/bootstrap.sh --cluster\` to build the Temporal server`);
  }
  const ports = clusterProcesses(options.ports).flatMap((each) => [each.ports.grpc, each.ports.membership]);
  if (ports.some((port) => port > HIGHEST_CLUSTER_PORT)) throw new Error(`the cluster's ports must be ${HIGHEST_CLUSTER_PORT} or lower (Temporal stores them as smallint): ${ports.join(', ')}`);
  await setupSchemas(options);
  say(started, `schemas ready in ${databaseNames(options.databasePrefix).default} and ${databaseNames(options.databasePrefix).visibility}`);
  const [first, ...rest] = clusterProcesses(options.ports);
  const processes = startProcesses(options, [first]);
  // `stop` finds the processes through this file, also from another command.
  const recordProcesses = () => writeFileSync(pidFile(options.stateDir), JSON.stringify(processes));
  recordProcesses();
  const stop = () => stopCluster(options.stateDir);
  try {
    await waitForClusterMetadata(options, processes[0], Math.max(1_000, started + timeoutMs - Date.now()));
    processes.push(...startProcesses(options, rest));
    recordProcesses();
    // Every process joins the membership ring on its membership port; the worker service serves no gRPC of its own.
    for (const port of [options.ports.frontend.grpc, ...clusterProcesses(options.ports).map((each) => each.ports.membership)]) {
      await waitForPort(port, '127.0.0.1', Math.max(1_000, started + timeoutMs - Date.now()));
    }
    say(started, `${processes.length} processes listen: ${processes.map((each) => each.name).join(', ')}`);
    await prepareNamespace(options, Math.max(1_000, started + timeoutMs - Date.now()));
  } catch (error) {
    const tail = logTail(options);
    await stop();
    throw new Error(`the Temporal cluster did not become ready: ${(error as Error).message}\n${tail}`);
  }
  const address = `127.0.0.1:${options.ports.frontend.grpc}`;
  say(started, `namespace "${options.namespace}" and ${STEWARD_SEARCH_ATTRIBUTES.length} search attributes registered; serving at ${address}`);
  const restart = async (name: string) => {
    const restarted = await restartClusterMember(options, name);
    processes.splice(processes.findIndex((each) => each.name === name), 1, restarted);
  };
  return { address, processes, restart, stop };
}

function optionsFromEnvironment(): ClusterOptions {
  const bin = path.join(REPO_ROOT, '.tools', 'bin');
  return {
    serverBinary: path.join(bin, 'temporal-server'),
    sqlTool: path.join(bin, 'temporal-sql-tool'),
    postgresUrl: process.env.TEMPORAL_CLUSTER_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432',
    databasePrefix: process.env.TEMPORAL_CLUSTER_DB_PREFIX ?? 'steward_temporal',
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    stateDir: path.resolve(REPO_ROOT, process.env.TEMPORAL_CLUSTER_DIR ?? path.join('.data', 'temporal-cluster')),
    ports: clusterPortsFrom(Number(process.env.TEMPORAL_CLUSTER_PORT ?? 7300), Number(process.env.TEMPORAL_CLUSTER_HISTORY_HOSTS ?? 2)),
  };
}

async function main(command: string | undefined): Promise<void> {
  const options = optionsFromEnvironment();
  if (command === 'start') {
    if (existsSync(pidFile(options.stateDir))) throw new Error(`a cluster started from ${options.stateDir} may still run: stop it first`);
    const cluster = await startTemporalCluster(options);
    console.log(`TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${options.namespace}\nlogs in ${path.join(options.stateDir, 'logs')}; stop with: scripts/temporal-cluster.ts stop`);
  } else if (command === 'stop') {
    await stopCluster(options.stateDir);
    console.log('[temporal-cluster] stopped');
  } else {
    throw new Error('usage: scripts/temporal-cluster.ts start|stop');
  }
}

if (require.main === module) {
  main(process.argv[2]).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
