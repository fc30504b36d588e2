import type { EntityManager } from '@mikro-orm/postgresql';
import { WebhookDelivery, WebhookDeliveryState } from '../../db/entities';
import { webhookSignatureHeader } from '../../lib/webhook-signature';
import type { WebhookSecrets } from './webhook-secrets';

/** How long one POST may take, connection included. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 500;

/**
 * What one try came to. `refused`: the receiver answered a 4xx other than 408 and 429, or a
 * redirect (not followed, since the signature is for the registered URL): trying again gets the
 * same answer. `retry`: anything else that is not a 2xx, or no answer at all.
 */
export type WebhookAttempt = { outcome: 'delivered' | 'gone' } | { outcome: 'refused' | 'retry'; error: string };

/** Whether another try could get another answer. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Sends a webhook delivery once, from the worker (activities/webhook-delivery.ts, whose workflow
 * retries it), and records the try on the delivery: its count, status, error and time.
 */
export class WebhookSender {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: WebhookSecrets,
  ) {}

  async attempt(deliveryId: string, now: Date = new Date()): Promise<WebhookAttempt> {
    const delivery = await this.em.findOne(WebhookDelivery, { id: deliveryId }, { populate: ['webhook', 'webhook.encryptedSecret'] });
    // Deleted with its webhook, or settled by an earlier try whose result the workflow did not hear.
    if (!delivery || delivery.state !== WebhookDeliveryState.PENDING) return { outcome: 'gone' };
    const webhook = delivery.webhook.getEntity();
    const body = JSON.stringify({ id: delivery.id, event: delivery.event, createdAt: delivery.createdAt.toISOString(), data: delivery.payload });
    const timestamp = Math.floor(now.getTime() / 1000);
    const secret = this.secrets.open(webhook.id, webhook.encryptedSecret);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Steward-Webhooks',
          'steward-event': delivery.event,
          'steward-delivery': delivery.id,
          'steward-signature': webhookSignatureHeader(secret, timestamp, body),
        },
        body,
      });
      status = response.status;
      // The answer's body is not read: nothing in it is used, and a receiver could send a lot.
      await response.body?.cancel();
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (failure) {
      const cause = (failure as Error & { cause?: Error }).cause;
      error = cause?.message ?? (failure as Error).message;
    }
    delivery.attempts += 1;
    delivery.lastAttemptAt = now;
    delivery.lastStatusCode = status;
    delivery.lastError = error?.slice(0, MAX_ERROR_LENGTH) ?? null;
    if (!error) {
      delivery.state = WebhookDeliveryState.DELIVERED;
      delivery.deliveredAt = new Date();
    }
    await this.em.flush();
    if (!error) return { outcome: 'delivered' };
    return { outcome: status !== null && !retryableStatus(status) ? 'refused' : 'retry', error: error.slice(0, MAX_ERROR_LENGTH) };
  }

  /** The workflow gave up: the receiver refused it, or the tries ran out. */
  async markFailed(deliveryId: string): Promise<void> {
    await this.em.nativeUpdate(WebhookDelivery, { id: deliveryId, state: WebhookDeliveryState.PENDING }, { state: WebhookDeliveryState.FAILED });
  }
}
