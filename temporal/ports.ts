import type { Client } from '@temporalio/client';
import type { ServicePorts } from '../services/ports';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { TemporalAccessWorkflows } from './temporal-access-workflows';
import { TemporalClientWorkflows } from './temporal-client-workflows';
import { TemporalJobLauncher } from './temporal-job-launcher';

/** The services' ports, implemented on one Temporal client; the API process and every worker use the same. */
export function temporalPorts(client: Client, masterKey: Buffer, clientRunConcurrency?: number): ServicePorts {
  return {
    launcher: new TemporalJobLauncher(client),
    accessWorkflows: new TemporalAccessWorkflows(client),
    clientWorkflows: new TemporalClientWorkflows(client, clientRunConcurrency),
    secrets: new VaultSecrets(masterKey),
  };
}
