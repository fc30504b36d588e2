/**
 * A worker process for one node (STEWARD_NODE, default `local`): it serves that node's task queue.
 * A remote node's worker without STEWARD_MASTER_KEY is keyless: it runs only the host steps, with
 * STEWARD_NODE_KEY, and needs no database (docs/scale-out.md).
 */
import 'reflect-metadata';
import { openDatabase } from '../db/database';
import { loadConfig, loadNodeWorkerConfig, type NodeWorkerConfig, serverIdentityOf } from '../infra/config';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import { NodeService } from '../services/nodes/node-service';
import { sayHello } from '../services/nodes/node-hello-client';
import { ensureJobReconciliationSchedule } from '../temporal/maintenance';
import { connectTemporalClient } from '../temporal/connection';
import { startOutboxRelay } from '../temporal/outbox-relay';
import { TemporalShareSchedule } from '../temporal/share-schedule';
import { temporalPorts } from '../temporal/ports';
import type { Worker } from '@temporalio/worker';
import { createNodeWorker, createStewardWorker, NativeConnection } from '../temporal/worker';
import { installTemporalRuntime } from '../temporal/runtime';
import { logger } from '../infra/logger';
import { registerDatabaseGauges, startMetricsServer } from '../infra/metrics';
import { readDatabaseGauges } from '../services/jobs/job-gauges';

/** The Temporal SDK's runtime, with its metrics exporter on loopback when the worker serves /metrics. */
function installRuntime(config: Pick<NodeWorkerConfig, 'temporalSdkMetricsPort'>): string | undefined {
  const sdkMetricsAddress = config.temporalSdkMetricsPort ? `127.0.0.1:${config.temporalSdkMetricsPort}` : undefined;
  installTemporalRuntime({ sdkMetricsAddress });
  return sdkMetricsAddress;
}

/**
 * The Temporal SDK's metrics are passed on from its exporter, so one scrape of the worker gets both;
 * /healthz is healthy while the worker runs (polls its queue), not while it starts or drains.
 */
async function startWorkerMetrics(config: Pick<NodeWorkerConfig, 'workerMetricsPort'>, sdkMetricsAddress: string | undefined, worker: Worker) {
  const sdkMetrics = sdkMetricsAddress ? () => fetch(`http://${sdkMetricsAddress}/metrics`).then((response) => response.text()) : undefined;
  const unhealthy = () => (worker.getState() === 'RUNNING' ? null : `the worker is ${worker.getState().toLowerCase()}`);
  return config.workerMetricsPort ? startMetricsServer(config.workerMetricsPort, sdkMetrics, unhealthy) : null;
}

/** Tests and operators wait for "serving task queue"; startupMs is the time since the process started. */
function logServing(nodeName: string, metricsPort: number | undefined, keyless: boolean): void {
  const taskQueue = taskQueueForNode(nodeName);
  const mode = keyless ? ' (keyless: host steps only)' : '';
  logger.info({ node: nodeName, taskQueue, keyless, startupMs: Math.round(performance.now()), metricsPort }, `worker for node "${nodeName}" serving task queue ${taskQueue}${mode}`);
}

/**
 * A keyless worker has no database to find its node in, so it asks the API: a node that is not
 * registered, or holds a key the API does not give it, would only fail every step sent to it.
 * An API that is away does not stop the worker; its steps need Temporal, not the API.
 */
async function checkRegistration(config: NodeWorkerConfig): Promise<void> {
  if (!config.apiUrl) {
    logger.warn({ node: config.nodeName }, 'STEWARD_API_URL is not set: the registration of this node is not checked, and client tasks that take packages cannot fetch them');
    return;
  }
  const answer = await sayHello(config.apiUrl, config.nodeName, config.nodeKey);
  if ('unreachable' in answer) logger.warn({ node: config.nodeName }, `could not check this node's registration with the API: ${answer.unreachable}`);
  else if (!answer.registered) throw new Error(`node "${config.nodeName}" cannot serve: ${answer.why}`);
  else logger.info({ node: config.nodeName }, 'the API knows this node and its key');
}

/** A remote node's keyless worker: host steps only, no workflows, database or master key. */
async function runNodeWorker(config: NodeWorkerConfig): Promise<void> {
  await checkRegistration(config);
  const sdkMetricsAddress = installRuntime(config);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createNodeWorker({
    connection,
    namespace: config.temporalNamespace,
    nodeName: config.nodeName,
    nodeKey: config.nodeKey,
    apiUrl: config.apiUrl,
    shutdownGraceMs: config.shutdownGraceSeconds * 1000,
  });
  const metrics = await startWorkerMetrics(config, sdkMetricsAddress, worker);
  logServing(config.nodeName, metrics?.port, true);
  await worker.run();
  await connection.close();
  await metrics?.close();
}

async function main(): Promise<void> {
  const nodeWorker = loadNodeWorkerConfig();
  if (nodeWorker) return runNodeWorker(nodeWorker);
  const config = loadConfig();
  const sdkMetricsAddress = installRuntime(config);
  const orm = await openDatabase(config.databaseUrl);
  // An unregistered node is refused before anything connects to Temporal.
  const nodes = new NodeService(orm.em.fork());
  await nodes.reportSeen(config.nodeName);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const client = await connectTemporalClient({ address: config.temporalAddress, namespace: config.temporalNamespace, masterKey: config.masterKey });
  const worker = await createStewardWorker({
    connection,
    namespace: config.temporalNamespace,
    nodeName: config.nodeName,
    masterKey: config.masterKey,
    orm,
    client,
    clientRunConcurrency: config.clientRunConcurrency,
    server: serverIdentityOf(config),
    shutdownGraceMs: config.shutdownGraceSeconds * 1000,
  });
  const reporting = setInterval(() => void nodes.reportSeen(config.nodeName).catch((error: unknown) => logger.error({ err: error }, 'could not report this node as seen')), 30_000);
  if (config.nodeName === LOCAL_NODE) {
    await ensureJobReconciliationSchedule(client, taskQueueForNode(LOCAL_NODE));
    await new TemporalShareSchedule(client).ensure();
  }
  // Commands written by activities (fallback jobs, next occurrences) reach Temporal even with no API running.
  const relay = config.nodeName === LOCAL_NODE ? startOutboxRelay(orm, temporalPorts(client, config.masterKey, config.clientRunConcurrency, serverIdentityOf(config))) : null;
  registerDatabaseGauges(() => readDatabaseGauges(orm.em.fork()));
  const metrics = await startWorkerMetrics(config, sdkMetricsAddress, worker);
  logServing(config.nodeName, metrics?.port, false);
  // The SDK shuts the worker down gracefully on SIGINT and SIGTERM: running activities get the grace time to finish.
  await worker.run();
  clearInterval(reporting);
  await relay?.stop();
  await connection.close();
  await client.connection.close();
  await metrics?.close();
  await orm.close();
}

main().catch((error: unknown) => {
  logger.fatal(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
