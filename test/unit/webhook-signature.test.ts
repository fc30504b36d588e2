import { createHmac } from 'node:crypto';
import { verifyWebhookSignature, webhookSignatureHeader } from '../../lib/webhook-signature';
import { retryableStatus } from '../../services/webhooks/webhook-sender';

describe('webhook signatures', () => {
  const secret = 'unit-test-secret-0123456789';
  const body = '{"id":"d1","event":"PING","data":{}}';
  const t = 1_796_119_200;

  it('signs `<timestamp>.<body>` with HMAC-SHA256 in the Steward-Signature format', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(webhookSignatureHeader(secret, t, body)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies within five minutes, and refuses another body, secret, or an old or future timestamp', () => {
    const header = webhookSignatureHeader(secret, t, body);
    expect(verifyWebhookSignature(secret, header, body, t + 300)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, t - 300)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, t - 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, `${body} `, t)).toBe(false);
    expect(verifyWebhookSignature('another-secret-0123456789', header, body, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, t)).toBe(false);
    expect(verifyWebhookSignature(secret, 'v1=abc', body, t)).toBe(false);
    expect(verifyWebhookSignature(secret, `t=${t},v1=zz`, body, t)).toBe(false);
  });

  it('retries 5xx, 408 and 429 only', () => {
    expect([500, 502, 503, 408, 429].every(retryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 422, 301, 302].some(retryableStatus)).toBe(false);
  });
});
