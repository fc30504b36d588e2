import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json';
import { decodePublicKey, encodePublicKey, fingerprintOf } from '../../services/federation/ed25519-keys';
import type { ShareSigner } from '../../services/federation/server-identity';
import { MAX_SHARE_BUNDLE_BYTES, readClaimedIssuer, ShareBundleRefusal, ShareBundleRule, signShareBundle, verifyShareBundle } from '../../services/federation/share-bundle';

function newSigner(issuer: string): { signer: ShareSigner; publicKey: string } {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = encodePublicKey(pair.publicKey);
  return { publicKey, signer: { issuer, keys: [{ kid: fingerprintOf(publicKey), privateKey: pair.privateKey }] } };
}

async function ruleOf(check: () => unknown): Promise<ShareBundleRule | 'accepted'> {
  try {
    await check();
    return 'accepted';
  } catch (error) {
    if (error instanceof ShareBundleRefusal) return error.rule;
    throw error;
  }
}

describe('share bundles', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const origin = newSigner('origin');
  const objects = [{ kind: 'TOMBSTONE' as const, originTaskId: 'task-1' }];
  const verifyAt = async (bundle: string, at: Date, key = origin.publicKey, audience = 'target') => {
    const { jws } = readClaimedIssuer(bundle);
    return verifyShareBundle(jws, decodePublicKey(key), { audience, now: at });
  };

  it('round-trips the claims of a bundle signed for one audience', async () => {
    const bundle = await signShareBundle(origin.signer, { audience: 'target', objects }, now);
    expect(readClaimedIssuer(bundle).issuer).toBe('origin');
    const claims = await verifyAt(bundle, now);
    expect(claims).toMatchObject({ iss: 'origin', aud: 'target', objects, exp: claims.iat + 300, jti: expect.any(String) });
  });

  it('names the rule that fails', async () => {
    const bundle = await signShareBundle(origin.signer, { audience: 'target', objects }, now);
    expect(await ruleOf(() => verifyAt(bundle, now, newSigner('other').publicKey))).toBe(ShareBundleRule.BAD_SIGNATURE);
    expect(await ruleOf(() => verifyAt(bundle, now, origin.publicKey, 'someone-else'))).toBe(ShareBundleRule.WRONG_AUDIENCE);
    expect(await ruleOf(() => verifyAt(bundle, new Date(now.getTime() + 300_000)))).toBe(ShareBundleRule.EXPIRED);
    expect(await ruleOf(() => verifyAt(bundle, new Date(now.getTime() + 299_000)))).toBe('accepted');
    expect(await ruleOf(() => verifyAt(bundle, new Date(now.getTime() - 61_000)))).toBe(ShareBundleRule.NOT_YET_VALID);
    expect(await ruleOf(() => verifyAt(bundle, new Date(now.getTime() - 59_000)))).toBe('accepted');
    expect(await ruleOf(() => readClaimedIssuer('x'.repeat(MAX_SHARE_BUNDLE_BYTES + 1)))).toBe(ShareBundleRule.OVERSIZED);
    expect(await ruleOf(() => readClaimedIssuer('{"payload":"e30","signatures":[{}]}'))).toBe(ShareBundleRule.MALFORMED);
  });

  it('verifies with either key while two sign (a rotation not yet retired)', async () => {
    const next = newSigner('origin');
    const both: ShareSigner = { issuer: 'origin', keys: [...next.signer.keys, ...origin.signer.keys] };
    const bundle = await signShareBundle(both, { audience: 'target', objects }, now);
    expect(JSON.parse(bundle).signatures).toHaveLength(2);
    for (const key of [origin.publicKey, next.publicKey]) expect(await ruleOf(() => verifyAt(bundle, now, key))).toBe('accepted');
  });
});

describe('keys and canonical JSON', () => {
  it('writes public keys as 43 base64url characters and refuses anything else', () => {
    const { publicKey } = newSigner('x');
    expect(publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(encodePublicKey(decodePublicKey(publicKey))).toBe(publicKey);
    expect(fingerprintOf(publicKey)).toMatch(/^SHA256:[A-Za-z0-9_-]{43}$/);
    expect(() => decodePublicKey(`${publicKey}=`)).toThrow('32 bytes');
  });

  it('gives the same text whatever the key order', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true })).toBe('{"a":true,"b":[1,{"c":"x","d":null}]}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson(JSON.parse('{"b":2,"a":1}')));
  });
});
