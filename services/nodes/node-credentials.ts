import { createHmac } from 'node:crypto';
import { keyringOf, type MasterKeyring, type MasterKeys } from '../../lib/master-keyring';
import { NODE_HELLO_FRESH_MS, nodeKeyring } from '../../lib/node-keys';
import { signClaims, unverifiedClaims, verifiedClaims } from '../../lib/signed-claims';

/** What a job's steps on a node may ask of the API while the job runs: stream its output, and fetch the packages planned for it. */
export interface JobGrant {
  node: string;
  jobId: string;
  packageIds: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** A job a remote node runs a step of, with the grant it shows the API for it (`NodeCredentials.grantJob`). */
export interface GrantedJob {
  jobId: string;
  grant: string;
}

/** Long enough for a run's retries; the job's end closes a grant sooner (services/nodes/node-access.ts). */
const JOB_GRANT_MS = 12 * 60 * 60_000;

function jobGrantKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('steward:job-grant').digest();
}

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * What remote nodes show the API, made and checked where the master key is. A job grant is
 * signed with a key derived from the master key, so a node cannot make one, not even with its own
 * key; a node's hello is signed with the node's key, which proves the caller holds it.
 */
export class NodeCredentials {
  private readonly keyring: MasterKeyring;

  constructor(masterKeys: MasterKeys) {
    this.keyring = keyringOf(masterKeys);
  }

  grantJob(node: string, jobId: string, packageIds: string[] = [], now = Date.now()): string {
    const grant: JobGrant = { node, jobId, packageIds, expiresAt: now + JOB_GRANT_MS };
    return signClaims(jobGrantKey(this.keyring.current), grant);
  }

  /** The grant when this server signed it (under any master key it still holds) and it has not expired, else null. */
  openJobGrant(token: string, now = Date.now()): JobGrant | null {
    const keys = [this.keyring.current, ...this.keyring.previous].map(jobGrantKey);
    const claims = verifiedClaims(keys, token);
    if (!claims || !isString(claims.node) || !isString(claims.jobId) || typeof claims.expiresAt !== 'number') return null;
    if (!Array.isArray(claims.packageIds) || !claims.packageIds.every(isString)) return null;
    return claims.expiresAt > now ? (claims as unknown as JobGrant) : null;
  }

  /** The node whose key signed this hello, when it was signed lately, else null. */
  openHello(token: string, now = Date.now()): string | null {
    const node = unverifiedClaims(token)?.node;
    if (!isString(node)) return null;
    const keyring = nodeKeyring(this.keyring, node);
    const claims = verifiedClaims([keyring.current, ...keyring.previous], token);
    if (!claims || typeof claims.at !== 'number' || Math.abs(now - claims.at) > NODE_HELLO_FRESH_MS) return null;
    return node;
  }
}
