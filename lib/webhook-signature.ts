import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old a signed delivery a receiver should still accept, against replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The HMAC-SHA256, hex, of `<timestamp>.<body>` under the webhook's secret. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The `Steward-Signature` header: `t=<unix seconds>,v1=<hex>`. */
export function webhookSignatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${webhookSignature(secret, timestamp, body)}`;
}

/**
 * What a receiver does with a delivery (docs/webhooks.md shows the same in a few lines): true when
 * the header's timestamp is within the tolerance of `nowSeconds` and one of its v1 signatures
 * matches the body under the secret.
 */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), 'hex');
  return parts.some(([key, value]) => {
    if (key !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
