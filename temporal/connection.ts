import { Client, Connection } from '@temporalio/client';
import type { MasterKeys } from '../lib/master-keyring';
import { stewardDataConverter } from './data-converter';

export interface TemporalSettings {
  address: string;
  namespace: string;
  masterKey: MasterKeys;
}

/** A Temporal client that encrypts every payload it sends. */
export async function connectTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace, dataConverter: stewardDataConverter(settings.masterKey) });
}

/**
 * The same client, connecting on first use: the API starts, answers reads and queues writes in
 * the outbox while Temporal is unreachable, and reaches it once it is back.
 */
export function lazyTemporalClient(settings: TemporalSettings): Client {
  const connection = Connection.lazy({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace, dataConverter: stewardDataConverter(settings.masterKey) });
}

/**
 * Whether Temporal answers a call within the bound; throws when it does not. The API's /readyz asks it.
 * The abort signal stops the call's own retries at the bound too: a deadline alone leaves them
 * running, and they fail later, unobserved, once the connection closes.
 */
export async function checkTemporal(client: Client, timeoutMs = 2_000): Promise<void> {
  await client.connection.withAbortSignal(AbortSignal.timeout(timeoutMs), () =>
    client.connection.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({})),
  );
}
