import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Claims carried in the clear and signed with a shared key (HMAC-SHA-256): `<claims>.<signature>`,
 * both base64url. What a remote node shows the API (services/nodes/node-credentials.ts); the
 * claims are not secret, only unforgeable without the key.
 */
export function signClaims(key: Buffer, claims: object): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${signature(key, body)}`;
}

/** The claims, read without checking the signature: only to learn which key to check it with. */
export function unverifiedClaims(token: string): Record<string, unknown> | null {
  const [body] = token.split('.');
  try {
    const claims: unknown = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The claims when one of the keys signed them, else null. */
export function verifiedClaims(keys: readonly Buffer[], token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [body, given] = parts as [string, string];
  const givenBytes = Buffer.from(given, 'base64url');
  const signed = keys.some((key) => {
    const expected = Buffer.from(signature(key, body), 'base64url');
    return expected.length === givenBytes.length && timingSafeEqual(expected, givenBytes);
  });
  return signed ? unverifiedClaims(token) : null;
}

function signature(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}
