/** A worker process for one node (STEWARD_NODE, default `local`): it serves that node's task queue. */
import 'reflect-metadata';
import { openDatabase } from '../db/database';
import { loadConfig } from '../infra/config';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import { NodeService } from '../services/jobs/worker-nodes';
import { ensureJobReconciliationSchedule } from '../temporal/maintenance';
import { connectTemporalClient } from '../temporal/connection';
import { startOutboxRelay } from '../temporal/outbox-relay';
import { temporalPorts } from '../temporal/ports';
import { createStewardWorker, NativeConnection } from '../temporal/worker';

async function main(): Promise<void> {
  const config = loadConfig();
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
    shutdownGraceMs: config.shutdownGraceSeconds * 1000,
  });
  const reporting = setInterval(() => void nodes.reportSeen(config.nodeName).catch((error: unknown) => console.error(error)), 30_000);
  if (config.nodeName === LOCAL_NODE) await ensureJobReconciliationSchedule(client, taskQueueForNode(LOCAL_NODE));
  // Commands written by activities (fallback jobs, next occurrences) reach Temporal even with no API running.
  const relay = config.nodeName === LOCAL_NODE ? startOutboxRelay(orm, temporalPorts(client, config.masterKey, config.clientRunConcurrency)) : null;
  console.log(`worker for node "${config.nodeName}" serving task queue ${taskQueueForNode(config.nodeName)}`);
  // The SDK shuts the worker down gracefully on SIGINT and SIGTERM: running activities get the grace time to finish.
  await worker.run();
  clearInterval(reporting);
  await relay?.stop();
  await connection.close();
  await client.connection.close();
  await orm.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
