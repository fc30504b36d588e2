export const REDACTED = '[REDACTED]';

/** Replaces every occurrence of each secret in text, longest first so no fragment survives. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((result, secret) => result.split(secret).join(REDACTED), text);
}
