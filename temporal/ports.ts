import type { Client } from '@temporalio/client';
import type { ServicePorts } from '../services/ports';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { NodeCredentials } from '../services/nodes/node-credentials';
import { ServerKeySecrets } from '../services/federation/server-key-secrets';
import type { ServerIdentitySettings } from '../services/federation/server-identity';
import { DEFAULT_SERVER_IDENTITY } from '../infra/config';
import type { MasterKeys } from '../lib/master-keyring';
import { TemporalAccessWorkflows } from './temporal-access-workflows';
import { TemporalClientWorkflows } from './temporal-client-workflows';
import { TemporalJobLauncher } from './temporal-job-launcher';
import { TemporalShareSchedule } from './share-schedule';
import { TemporalWebhookWorkflows } from './temporal-webhook-workflows';
import { WebhookSecrets } from '../services/webhooks/webhook-secrets';
import { loadWebhookRetry } from '../infra/webhook-retry';
import { jobMetrics } from '../infra/metrics';

/** The services' ports, implemented on one Temporal client; the API process and every worker use the same. */
export function temporalPorts(client: Client, masterKey: MasterKeys, clientRunConcurrency?: number, server: ServerIdentitySettings = DEFAULT_SERVER_IDENTITY): ServicePorts {
  return {
    launcher: new TemporalJobLauncher(client),
    accessWorkflows: new TemporalAccessWorkflows(client),
    clientWorkflows: new TemporalClientWorkflows(client, clientRunConcurrency),
    shareSchedule: new TemporalShareSchedule(client),
    secrets: new VaultSecrets(masterKey),
    nodeCredentials: new NodeCredentials(masterKey),
    server: { identity: server, keySecrets: new ServerKeySecrets(masterKey) },
    webhooks: { workflows: new TemporalWebhookWorkflows(client, loadWebhookRetry()), secrets: new WebhookSecrets(masterKey) },
    jobMetrics,
  };
}
