import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * How Steward writes an Ed25519 public key everywhere (serverIdentity, registrations, exports):
 * the 32 raw bytes, base64url without padding, which is also a JWK's `x`.
 */
export const PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateServerKeyPair(): { publicKey: string; privateKeyPkcs8: Buffer } {
  const pair = generateKeyPairSync('ed25519');
  return { publicKey: encodePublicKey(pair.publicKey), privateKeyPkcs8: pair.privateKey.export({ format: 'der', type: 'pkcs8' }) };
}

export function encodePublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('not an Ed25519 public key');
  return jwk.x;
}

/** Throws on anything but a well-formed Ed25519 public key in Steward's encoding. */
export function decodePublicKey(encoded: string): KeyObject {
  if (!PUBLIC_KEY_PATTERN.test(encoded)) throw new Error('an Ed25519 public key is 32 bytes, base64url without padding (43 characters)');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: encoded }, format: 'jwk' });
}

/** `SHA256:` and the base64url SHA-256 of the raw key: what administrators compare out of band, and the JWS `kid`. */
export function fingerprintOf(publicKey: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('base64url')}`;
}
