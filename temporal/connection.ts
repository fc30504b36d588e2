import { Client, Connection } from '@temporalio/client';
import { stewardDataConverter } from './data-converter';

export interface TemporalSettings {
  address: string;
  namespace: string;
  masterKey: Buffer;
}

/** A Temporal client that encrypts every payload it sends. */
export async function connectTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace, dataConverter: stewardDataConverter(settings.masterKey) });
}
