/** The API process: GraphQL at /graphql, the Temporal codec at /codec, /healthz and /readyz. On SIGTERM it drains requests in flight. */
import 'reflect-metadata';
import { startApiServer } from '../api/http-server';
import { openDatabase } from '../db/database';
import { logger } from '../infra/logger';
import { loadConfig, serverIdentityOf } from '../infra/config';
import { checkTemporal, lazyTemporalClient } from '../temporal/connection';
import { startOutboxRelay } from '../temporal/outbox-relay';
import { temporalPorts } from '../temporal/ports';
import { createServices } from '../services';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await openDatabase(config.databaseUrl);
  const client = lazyTemporalClient({ address: config.temporalAddress, namespace: config.temporalNamespace, masterKey: config.masterKey });
  const ports = temporalPorts(client, config.masterKey, config.clientRunConcurrency, serverIdentityOf(config));
  // The server's signing key is made at its first start, so its fingerprint can be given to peers at once.
  const identity = await createServices(orm.em.fork(), ports, config.accounts).serverIdentity.current();
  logger.info({ server: identity.name, signingKey: identity.fingerprint }, `server "${identity.name}", signing key ${identity.fingerprint}`);
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
  logger.info({ url: server.url }, `GraphQL API at ${server.url}`);
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
  logger.fatal(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
