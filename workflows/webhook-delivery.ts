import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JOB_BOOKKEEPING } from './activity-profiles';

/** The retry policy the delivery was started with (infra/webhook-retry.ts), fixed for its whole life. */
export interface WebhookRetry {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

export interface WebhookDeliveryArgs {
  deliveryId: string;
  retry: WebhookRetry;
}

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);

/**
 * Sends one webhook delivery (`webhook-delivery-<id>`): a POST per try, each recorded on the
 * delivery, retried with exponential backoff while the receiver is away or failing, and marked
 * FAILED once it refuses (a non-retryable failure of the activity) or the tries run out. Being a workflow, it outlives restarts of Steward.
 */
export async function webhookDelivery({ deliveryId, retry }: WebhookDeliveryArgs): Promise<void> {
  const sending = proxyActivities<Activities>({
    // The POST itself times out after 10 s (services/webhooks/webhook-sender.ts); this also covers the bookkeeping around it.
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
    },
  });
  try {
    await sending.sendWebhookDelivery({ deliveryId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await bookkeeping.markWebhookDeliveryFailed({ deliveryId });
  }
}
