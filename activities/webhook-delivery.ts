import { ApplicationFailure } from '@temporalio/activity';
import { type ActivityDependencies, servicesFor } from './dependencies';

/** Activities of a webhook delivery's workflow (workflows/webhook-delivery.ts). */
export function createWebhookDeliveryActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);

  return {
    /** One POST; fails to be retried with backoff, or for good when the receiver refused it. */
    async sendWebhookDelivery({ deliveryId }: { deliveryId: string }): Promise<void> {
      const attempt = await services().webhookSender.attempt(deliveryId);
      if (attempt.outcome === 'refused') throw ApplicationFailure.nonRetryable(`The receiver refused the delivery: ${attempt.error}`, 'WebhookRefused');
      if (attempt.outcome === 'retry') throw ApplicationFailure.retryable(`The delivery failed: ${attempt.error}`, 'WebhookFailed');
    },

    async markWebhookDeliveryFailed({ deliveryId }: { deliveryId: string }): Promise<void> {
      await services().webhookSender.markFailed(deliveryId);
    },
  };
}
