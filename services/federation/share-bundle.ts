import { randomUUID, type KeyObject } from 'node:crypto';
import { GeneralSign, generalVerify, type GeneralJWSInput } from 'jose';
import type { ShareSigner } from './server-identity';

/**
 * The wire format of shared client tasks (issue 13), one bundle per peer per send.
 *
 * A bundle is a JWS in the General JSON serialization (RFC 7515 §7.2.1), sent as a string in
 * `receiveShareBundle(input: { bundle })`. Each signature has the protected header
 * `{ alg: 'EdDSA', kid: <signing key fingerprint>, typ: 'steward-share+jws' }`; while a rotated-out key
 * has not been retired there are two signatures and the target accepts the bundle if either
 * verifies with the key it has registered for the issuer.
 *
 * The payload is JSON: `iss` (the origin's server name), `aud` (the target's server name), `iat` and
 * `exp` (seconds; a bundle is valid for SHARE_BUNDLE_TTL_SECONDS), `jti` (unique; a target refuses
 * one it has seen), and `objects` (ShareObject[]: full current approved state of each changed task,
 * or a tombstone for one no longer shared). The serialized bundle may not exceed
 * MAX_SHARE_BUNDLE_BYTES: a sender splits larger sends into several bundles.
 *
 * What a sender sends: local tasks only (`origin` null; received tasks are `shared` too, and are
 * never passed on), at their approved revision (`approvedRevision` as originRevision).
 */
export interface SharedTaskObject {
  kind: 'TASK';
  /** The task's ID on the origin. */
  originTaskId: string;
  /** The origin's approved revision; a target ignores an object older than what it holds. */
  originRevision: number;
  name: string;
  /** The product's name, which the target must have checked in. */
  product: string;
  /** The task type's name within the product. */
  taskType: string;
  /** Checked against the target's own schema for the task type. */
  settings: Record<string, unknown>;
  enabled: boolean;
}

export interface SharedTaskTombstone {
  kind: 'TOMBSTONE';
  originTaskId: string;
}

export type ShareObject = SharedTaskObject | SharedTaskTombstone;

/** How long a bundle is valid after it is signed; targets keep the IDs they saw for as long. */
export const SHARE_BUNDLE_TTL_SECONDS = 300;
/** Clocks of two servers may disagree by this much before a bundle counts as not yet valid. */
export const SHARE_BUNDLE_CLOCK_SKEW_SECONDS = 60;
/** The largest serialized bundle a target reads (below the API's 1 MiB limit for requests without a user). */
export const MAX_SHARE_BUNDLE_BYTES = 512 * 1024;
export const SHARE_BUNDLE_TYPE = 'steward-share+jws';

export interface ShareBundleClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  objects: ShareObject[];
}

/** Signs a bundle for one peer with this server's key(s) (jose, EdDSA), valid from now for SHARE_BUNDLE_TTL_SECONDS. */
export async function signShareBundle(identity: ShareSigner, input: { audience: string; objects: ShareObject[] }, now: Date = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: ShareBundleClaims = { iss: identity.issuer, aud: input.audience, iat, exp: iat + SHARE_BUNDLE_TTL_SECONDS, jti: randomUUID(), objects: input.objects };
  return signGeneralJws(identity, claims, SHARE_BUNDLE_TYPE);
}

/** A JWS in General JSON serialization with one signature per signing key. */
export async function signGeneralJws(identity: ShareSigner, payload: unknown, typ: string): Promise<string> {
  const signing = new GeneralSign(new TextEncoder().encode(JSON.stringify(payload)));
  for (const key of identity.keys) signing.addSignature(key.privateKey).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ });
  return JSON.stringify(await signing.sign());
}

/** Why a bundle was refused; each is audited and named in the error the sender gets. */
export enum ShareBundleRule {
  MALFORMED = 'MALFORMED',
  OVERSIZED = 'OVERSIZED',
  UNKNOWN_ISSUER = 'UNKNOWN_ISSUER',
  DISABLED_ISSUER = 'DISABLED_ISSUER',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  WRONG_AUDIENCE = 'WRONG_AUDIENCE',
  EXPIRED = 'EXPIRED',
  NOT_YET_VALID = 'NOT_YET_VALID',
  REPLAYED = 'REPLAYED',
}

export class ShareBundleRefusal extends Error {
  constructor(
    readonly rule: ShareBundleRule,
    readonly explanation: string,
  ) {
    super(`${rule}: ${explanation}`);
  }
}

/** Parses the JWS envelope and reads who claims to have signed it, before anything is trusted. */
export function readClaimedIssuer(bundle: string): { jws: GeneralJWSInput; issuer: string } {
  if (Buffer.byteLength(bundle) > MAX_SHARE_BUNDLE_BYTES) throw new ShareBundleRefusal(ShareBundleRule.OVERSIZED, `a bundle is at most ${MAX_SHARE_BUNDLE_BYTES} bytes`);
  const refuse = (why: string) => new ShareBundleRefusal(ShareBundleRule.MALFORMED, why);
  let jws: GeneralJWSInput;
  try {
    jws = JSON.parse(bundle) as GeneralJWSInput;
  } catch {
    throw refuse('the bundle is not JSON');
  }
  if (typeof jws !== 'object' || jws === null || typeof jws.payload !== 'string' || !Array.isArray(jws.signatures) || jws.signatures.length === 0) {
    throw refuse('the bundle is not a JWS in General JSON serialization');
  }
  let issuer: unknown;
  try {
    issuer = (JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { iss?: unknown }).iss;
  } catch {
    throw refuse('the payload is not JSON');
  }
  if (typeof issuer !== 'string' || !issuer) throw refuse('the payload names no issuer (iss)');
  return { jws, issuer };
}

/**
 * Checks a bundle's signature against the issuer's registered key, then its audience and validity
 * window. Replay is checked by the caller, which keeps the IDs it has seen.
 */
export async function verifyShareBundle(jws: GeneralJWSInput, issuerKey: KeyObject, expected: { audience: string; now: Date }): Promise<ShareBundleClaims> {
  let payload: Uint8Array;
  try {
    ({ payload } = await generalVerify(jws, issuerKey, { algorithms: ['EdDSA'] }));
  } catch {
    throw new ShareBundleRefusal(ShareBundleRule.BAD_SIGNATURE, 'no signature verifies with the key registered for the issuer');
  }
  const claims = parseClaims(payload);
  if (claims.aud !== expected.audience) throw new ShareBundleRefusal(ShareBundleRule.WRONG_AUDIENCE, `the bundle is for "${claims.aud}", this server is "${expected.audience}"`);
  const now = Math.floor(expected.now.getTime() / 1000);
  if (claims.exp <= now) throw new ShareBundleRefusal(ShareBundleRule.EXPIRED, 'the bundle has expired');
  if (claims.iat > now + SHARE_BUNDLE_CLOCK_SKEW_SECONDS) throw new ShareBundleRefusal(ShareBundleRule.NOT_YET_VALID, 'the bundle was issued in the future');
  if (claims.exp - claims.iat > SHARE_BUNDLE_TTL_SECONDS) throw new ShareBundleRefusal(ShareBundleRule.EXPIRED, `a bundle may be valid for at most ${SHARE_BUNDLE_TTL_SECONDS} seconds`);
  return claims;
}

function parseClaims(payload: Uint8Array): ShareBundleClaims {
  const refuse = (why: string) => new ShareBundleRefusal(ShareBundleRule.MALFORMED, why);
  let claims: Partial<ShareBundleClaims>;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<ShareBundleClaims>;
  } catch {
    throw refuse('the payload is not JSON');
  }
  if (typeof claims.aud !== 'string' || typeof claims.jti !== 'string' || !claims.jti || claims.jti.length > 128) throw refuse('aud and jti (at most 128 characters) are required');
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp)) throw refuse('iat and exp must be whole seconds');
  if (!Array.isArray(claims.objects)) throw refuse('objects must be a list');
  return claims as ShareBundleClaims;
}
