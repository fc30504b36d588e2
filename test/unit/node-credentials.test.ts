import { randomBytes } from 'node:crypto';
import { MasterKeyring } from '../../lib/master-keyring';
import { deriveNodeKey, NODE_HELLO_FRESH_MS, nodeHello } from '../../lib/node-keys';
import { signClaims } from '../../lib/signed-claims';
import { NodeCredentials } from '../../services/nodes/node-credentials';

describe('what remote nodes show the API', () => {
  const masterKey = randomBytes(32);
  const credentials = new NodeCredentials(masterKey);
  const now = Date.parse('2026-12-02T12:00:00Z');

  it('opens a job grant it signed, until it expires', () => {
    const grant = credentials.grantJob('edge', 'job-1', ['p1', 'p2'], now);
    expect(credentials.openJobGrant(grant, now + 60_000)).toMatchObject({ node: 'edge', jobId: 'job-1', packageIds: ['p1', 'p2'] });
    expect(credentials.openJobGrant(grant, now + 13 * 60 * 60_000)).toBeNull();
  });

  it('opens a grant signed under a previous master key, and none signed by another server', () => {
    const next = randomBytes(32);
    const grant = credentials.grantJob('edge', 'job-1', ['p1'], now);
    expect(new NodeCredentials(new MasterKeyring(next, [masterKey])).openJobGrant(grant, now)).not.toBeNull();
    expect(new NodeCredentials(randomBytes(32)).openJobGrant(grant, now)).toBeNull();
  });

  it('refuses a grant a node made with its own key, or changed', () => {
    const claims = { node: 'edge', jobId: 'job-1', packageIds: ['p1'], expiresAt: now + 60_000 };
    expect(credentials.openJobGrant(signClaims(deriveNodeKey(masterKey, 'edge'), claims), now)).toBeNull();
    const [, signature] = credentials.grantJob('edge', 'job-1', ['p1'], now).split('.');
    const widened = Buffer.from(JSON.stringify({ ...claims, packageIds: ['p1', 'p2'] })).toString('base64url');
    expect(credentials.openJobGrant(`${widened}.${signature}`, now)).toBeNull();
    expect(credentials.openJobGrant('not a grant', now)).toBeNull();
  });

  it("knows a node's hello by its key, and only while it is fresh", () => {
    const hello = nodeHello('edge', deriveNodeKey(masterKey, 'edge'), now);
    expect(credentials.openHello(hello, now + 1_000)).toBe('edge');
    expect(credentials.openHello(hello, now + NODE_HELLO_FRESH_MS + 1)).toBeNull();
    // Another node's key, or the right node's name under a key from another master key, says nothing.
    expect(credentials.openHello(nodeHello('edge', deriveNodeKey(masterKey, 'other'), now), now)).toBeNull();
    expect(credentials.openHello(nodeHello('edge', deriveNodeKey(randomBytes(32), 'edge'), now), now)).toBeNull();
  });
});
