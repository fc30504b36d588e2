/** The API process: GraphQL at /graphql, the Temporal codec at /codec, /healthz and /readyz. On SIGTERM it drains requests in flight. */
import 'reflect-metadata';
import { startApiServer } from '../api/http-server';
import { openDatabase } from '../db/database';
import { loadConfig } from '../infra/config';
import { checkTemporal, lazyTemporalClient } from '../temporal/connection';
import { startOutboxRelay } from '../temporal/outbox-relay';
import { temporalPorts } from '../temporal/ports';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await openDatabase(config.databaseUrl);
  const client = lazyTemporalClient({ address: config.temporalAddress, namespace: config.temporalNamespace, masterKey: config.masterKey });
  const ports = temporalPorts(client, config.masterKey, config.clientRunConcurrency);
  const relay = startOutboxRelay(orm, ports);
  const server = await startApiServer({
    orm,
    ports,
    port: config.apiPort,
    masterKey: config.masterKey,
    codecOrigins: config.codecOrigins,
    publicUrl: config.publicUrl,
    introspection: config.introspection,
    accounts: config.accounts,
    trustProxy: config.trustProxy,
    checkTemporal: () => checkTemporal(client),
  });
  console.log(`GraphQL API at ${server.url}`);
  const stop = async () => {
    await server.close(config.shutdownGraceSeconds * 1000);
    await relay.stop();
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
