/** A worker process for one node (STEWARD_NODE, default `local`): it serves that node's task queue. */
import 'reflect-metadata';
import { openDatabase } from '../db/database';
import { loadConfig, taskQueueForNode } from '../lib/config';
import { createStewardWorker, NativeConnection } from '../temporal/worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createStewardWorker({
    connection,
    namespace: config.temporalNamespace,
    nodeName: config.nodeName,
    masterKey: config.masterKey,
    orm,
  });
  console.log(`worker for node "${config.nodeName}" serving task queue ${taskQueueForNode(config.nodeName)}`);
  // The SDK shuts the worker down gracefully on SIGINT and SIGTERM.
  await worker.run();
  await connection.close();
  await orm.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
