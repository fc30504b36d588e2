import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { WebhookRetryPolicy } from '../infra/webhook-retry';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import type { WebhookWorkflows } from '../services/ports';
import { webhookDelivery } from '../workflows';
import { startedOnce } from './idempotent-calls';

/** Webhook deliveries as workflows on the local node's queue, `webhook-delivery-<id>`. */
export class TemporalWebhookWorkflows implements WebhookWorkflows {
  constructor(
    private readonly client: Client,
    private readonly retry: WebhookRetryPolicy,
  ) {}

  async startDelivery(workflowId: string, deliveryId: string): Promise<void> {
    await startedOnce(this.client, () =>
      this.client.workflow.start(webhookDelivery, {
        workflowId,
        taskQueue: taskQueueForNode(LOCAL_NODE),
        args: [{ deliveryId, retry: this.retry }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `Webhook delivery ${deliveryId}`,
      }),
    );
  }
}
