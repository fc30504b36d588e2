/** How a webhook delivery is retried: exponential backoff (doubling) from the first interval, capped. */
export interface WebhookRetryPolicy {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

/**
 * 10 s doubling to an hour, 12 tries: a receiver down for about three hours still gets the event.
 * Each delivery's workflow keeps the policy it started with.
 */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { initialIntervalMs: 10_000, maximumIntervalMs: 3_600_000, maximumAttempts: 12 };

function whole(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a whole number of at least 1, got "${value}"`);
  return parsed;
}

/** STEWARD_WEBHOOK_RETRY_INITIAL_MS and STEWARD_WEBHOOK_RETRY_MAX_ATTEMPTS override the defaults (tests shorten the first). */
export function loadWebhookRetry(env: NodeJS.ProcessEnv = process.env): WebhookRetryPolicy {
  const initialIntervalMs = whole(env.STEWARD_WEBHOOK_RETRY_INITIAL_MS, 'STEWARD_WEBHOOK_RETRY_INITIAL_MS') ?? DEFAULT_WEBHOOK_RETRY.initialIntervalMs;
  return {
    initialIntervalMs,
    maximumIntervalMs: Math.max(initialIntervalMs, DEFAULT_WEBHOOK_RETRY.maximumIntervalMs),
    maximumAttempts: whole(env.STEWARD_WEBHOOK_RETRY_MAX_ATTEMPTS, 'STEWARD_WEBHOOK_RETRY_MAX_ATTEMPTS') ?? DEFAULT_WEBHOOK_RETRY.maximumAttempts,
  };
}
