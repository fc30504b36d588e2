/** The API process: GraphQL at /graphql, the Temporal codec at /codec, /healthz. */
import 'reflect-metadata';
import { startApiServer } from '../api/http-server';
import { openDatabase } from '../db/database';
import { loadConfig } from '../infra/config';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { connectTemporalClient } from '../temporal/connection';
import { TemporalAccessWorkflows } from '../temporal/temporal-access-workflows';
import { TemporalClientWorkflows } from '../temporal/temporal-client-workflows';
import { TemporalJobLauncher } from '../temporal/temporal-job-launcher';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await openDatabase(config.databaseUrl);
  const client = await connectTemporalClient({ address: config.temporalAddress, namespace: config.temporalNamespace, masterKey: config.masterKey });
  const server = await startApiServer({
    orm,
    secrets: new VaultSecrets(config.masterKey),
    launcher: new TemporalJobLauncher(client),
    accessWorkflows: new TemporalAccessWorkflows(client),
    clientWorkflows: new TemporalClientWorkflows(client, config.clientRunConcurrency),
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
