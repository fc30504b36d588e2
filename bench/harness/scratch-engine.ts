/** A Temporal dev server and a migrated database of a benchmark's own, removed when it is done. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_DATABASE_URL } from '../../infra/config';
import { findTemporalCli, startDevServer, waitForPort } from '../../scripts/temporal-dev-server';
import { stewardDataConverter } from '../../temporal/data-converter';
import { createMigratedDatabase, dropDatabase } from '../../test/harness/databases';
import { freePort } from '../../test/harness/ports';

export interface ScratchEngine {
  client: Client;
  databaseUrl: string;
  masterKey: Buffer;
}

/** Runs `bench` against a fresh Temporal dev server and database `steward_bench_<name>`. */
export async function withScratchEngine<T>(name: string, bench: (engine: ScratchEngine) => Promise<T>): Promise<T> {
  const temporalCli = findTemporalCli(path.resolve(__dirname, '..', '..'));
  if (!temporalCli) throw new Error('no Temporal CLI in .tools/bin: run `bash scripts/bootstrap.sh`');
  const port = await freePort();
  const server = startDevServer({ executable: temporalCli, port, uiPort: 0, headless: true });
  const url = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  url.pathname = `/steward_bench_${name}`;
  const databaseUrl = url.toString();
  const masterKey = randomBytes(32);
  try {
    await Promise.all([waitForPort(port), createMigratedDatabase(databaseUrl)]);
    const client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }), dataConverter: stewardDataConverter(masterKey) });
    try {
      return await bench({ client, databaseUrl, masterKey });
    } finally {
      await client.connection.close();
    }
  } finally {
    await dropDatabase(databaseUrl);
    server.kill();
  }
}
