/** The API process: GraphQL at /graphql, the Temporal codec at /codec, /healthz. */
import 'reflect-metadata';
import { startApiServer } from '../api/http-server';
import { openDatabase } from '../db/database';
import { loadConfig } from '../infra/config';
import { connectTemporalClient } from '../temporal/connection';
import { temporalPorts } from '../temporal/ports';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await openDatabase(config.databaseUrl);
  const client = await connectTemporalClient({ address: config.temporalAddress, namespace: config.temporalNamespace, masterKey: config.masterKey });
  const server = await startApiServer({
    orm,
    ports: temporalPorts(client, config.masterKey, config.clientRunConcurrency),
    port: config.apiPort,
    masterKey: config.masterKey,
    codecOrigins: config.codecOrigins,
  });
  console.log(`GraphQL API at ${server.url}`);
  const stop = async () => {
    await server.close();
    await client.connection.close();
    await orm.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
