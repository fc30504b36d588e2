import { type Loaded, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientTask, ClientTaskType, ReceivedShareBundle, RegisteredServer, WebhookEvent } from '../../db/entities';
import { type Actor, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import { DomainError } from '../shared/errors';
import { settingsChecker } from '../client-tasks/settings';
import { decodePublicKey } from './ed25519-keys';
import type { ServerIdentitySettings } from './server-identity';
import type { WebhookEvents } from '../webhooks/webhook-events';
import { readClaimedIssuer, type ShareBundleClaims, ShareBundleRefusal, ShareBundleRule, type SharedTaskObject, verifyShareBundle } from './share-bundle';

export interface RefusedShareObject {
  originTaskId: string;
  reason: string;
}

/** What the target did with a bundle's objects; objects older than what it holds count in none. */
export interface ShareReceipt {
  created: number;
  updated: number;
  withdrawn: number;
  refused: RefusedShareObject[];
}

/** The error a refused bundle raises: FORBIDDEN, naming the rule (e.g. "REPLAYED: …"), the code the sender sees. */
export class ShareBundleRejectedError extends DomainError {
  constructor(readonly rule: ShareBundleRule, explanation: string) {
    super('FORBIDDEN', `The share bundle was refused (${rule}): ${explanation}`, 'bundle');
  }
}

const MAX_ID_LENGTH = 64;
const MAX_NAME_LENGTH = 128;

/** Shapes the receiver accepts; anything else in `objects` is refused on its own with a reason. */
function objectProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const object = value as Record<string, unknown>;
  if (typeof object.originTaskId !== 'string' || !object.originTaskId || object.originTaskId.length > MAX_ID_LENGTH) return `originTaskId must be 1-${MAX_ID_LENGTH} characters`;
  if (object.kind === 'TOMBSTONE') return null;
  if (object.kind !== 'TASK') return 'kind must be TASK or TOMBSTONE';
  if (!Number.isInteger(object.originRevision) || (object.originRevision as number) < 1) return 'originRevision must be a whole number of at least 1';
  for (const field of ['name', 'product', 'taskType'] as const) {
    const text = object[field];
    if (typeof text !== 'string' || !text.trim() || text.length > MAX_NAME_LENGTH) return `${field} must be 1-${MAX_NAME_LENGTH} characters`;
  }
  if (typeof object.settings !== 'object' || object.settings === null || Array.isArray(object.settings)) return 'settings must be an object';
  if (typeof object.enabled !== 'boolean') return 'enabled must be true or false';
  return null;
}

/**
 * The target side of sharing: checks a bundle against the registered key of the server that claims
 * to have signed it, then writes its objects as received tasks of that server only. A peer reaches
 * nothing else: lookups are by (origin = the verified issuer, originTaskId), so local tasks and
 * other origins' tasks are out of its reach whatever IDs it sends.
 */
export class ShareReceiver {
  constructor(
    private readonly em: EntityManager,
    private readonly identity: ServerIdentitySettings,
    private readonly webhooks: WebhookEvents,
  ) {}

  async receive(bundle: string, now: Date = new Date()): Promise<ShareReceipt> {
    let claimedIssuer: string | null = null;
    try {
      const { jws, issuer } = readClaimedIssuer(bundle);
      claimedIssuer = issuer;
      const peer = await this.em.findOne(RegisteredServer, { name: issuer });
      if (!peer) throw new ShareBundleRefusal(ShareBundleRule.UNKNOWN_ISSUER, `no server named "${issuer}" is registered here`);
      if (!peer.enabled) throw new ShareBundleRefusal(ShareBundleRule.DISABLED_ISSUER, `the server "${issuer}" is disabled here`);
      const claims = await verifyShareBundle(jws, decodePublicKey(peer.publicKey), { audience: this.identity.name, now });
      return await this.apply(peer, claims, now);
    } catch (error) {
      if (!(error instanceof ShareBundleRefusal)) throw error;
      await recordAuditEventNow(this.em, {
        actor: peerActor(claimedIssuer),
        action: 'receiveShareBundle',
        outcome: AuditOutcome.FAILURE,
        details: { rule: error.rule, reason: error.explanation, claimedIssuer, bytes: Buffer.byteLength(bundle) },
      });
      throw new ShareBundleRejectedError(error.rule, error.explanation);
    }
  }

  /** One transaction: the bundle's ID is remembered only if its objects are written, so a failed delivery can be sent again. */
  private async apply(peer: RegisteredServer, claims: ShareBundleClaims, now: Date): Promise<ShareReceipt> {
    return this.em.transactional(async (em) => {
      await em.nativeDelete(ReceivedShareBundle, { expiresAt: { $lt: now } });
      await this.remember(em, peer, claims);
      const receipt: ShareReceipt = { created: 0, updated: 0, withdrawn: 0, refused: [] };
      const lookups = await this.lookupsFor(em, peer, claims.objects as unknown[]);
      for (const object of claims.objects as unknown[]) await this.applyObject(em, peer, object, receipt, lookups);
      // Only refusals within a bundle that verified are sent: a whole bundle's refusal can be caused by anyone, so it is audited only.
      if (receipt.refused.length) {
        await this.webhooks.emit(em, WebhookEvent.SHARE_REFUSED, {
          share: { peerId: peer.id, peerName: peer.name, bundleId: claims.jti, refusedOriginTaskIds: receipt.refused.map(({ originTaskId }) => originTaskId) },
        });
      }
      addAuditEvent(em, {
        actor: peerActor(peer.name),
        action: 'receiveShareBundle',
        target: { type: 'RegisteredServer', id: peer.id },
        outcome: AuditOutcome.SUCCESS,
        details: { bundleId: claims.jti, objects: claims.objects.length, created: receipt.created, updated: receipt.updated, withdrawn: receipt.withdrawn, refused: receipt.refused },
      });
      return receipt;
    });
  }

  /** Records the bundle's ID; a second delivery of it (even a concurrent one, which waits on the key) is a replay. */
  private async remember(em: EntityManager, peer: RegisteredServer, claims: ShareBundleClaims): Promise<void> {
    try {
      await em.insert(ReceivedShareBundle, { issuer: peer.name, bundleId: claims.jti, expiresAt: new Date(claims.exp * 1000) });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ShareBundleRefusal(ShareBundleRule.REPLAYED, `bundle ${claims.jti} was already received`);
      throw error;
    }
  }

  /**
   * The peer's tasks a bundle names, read at once, and each task type's compiled settings schema
   * kept for the bundle: a query and a schema compile per object made a first sync of thousands of
   * tasks take minutes (bench/share-sync.ts).
   */
  private async lookupsFor(em: EntityManager, peer: RegisteredServer, objects: unknown[]): Promise<BundleLookups> {
    const ids = objects.flatMap((object) => (typeof (object as { originTaskId?: unknown })?.originTaskId === 'string' ? [(object as { originTaskId: string }).originTaskId] : []));
    const held = await em.find(ClientTask, { origin: peer.id, originTaskId: { $in: ids } });
    return { held: new Map(held.map((task) => [task.originTaskId!, task])), types: new Map() };
  }

  private async typeFor(em: EntityManager, shared: SharedTaskObject, lookups: BundleLookups): Promise<CheckedTaskType | null> {
    const key = JSON.stringify([shared.product, shared.taskType]);
    if (!lookups.types.has(key)) {
      const taskType = await em.findOne(ClientTaskType, { name: shared.taskType, product: { name: shared.product } }, { populate: ['product'] });
      lookups.types.set(key, taskType ? { taskType, check: settingsChecker(taskType) } : null);
    }
    return lookups.types.get(key)!;
  }

  private async applyObject(em: EntityManager, peer: RegisteredServer, object: unknown, receipt: ShareReceipt, lookups: BundleLookups): Promise<void> {
    const problem = objectProblem(object);
    const originTaskId = typeof (object as { originTaskId?: unknown })?.originTaskId === 'string' ? (object as { originTaskId: string }).originTaskId.slice(0, MAX_ID_LENGTH) : '';
    if (problem) {
      receipt.refused.push({ originTaskId, reason: `malformed object: ${problem}` });
      return;
    }
    const existing = lookups.held.get(originTaskId);
    if ((object as { kind: string }).kind === 'TOMBSTONE') {
      if (existing && !existing.withdrawn) {
        existing.withdrawn = true;
        existing.enabled = false;
        receipt.withdrawn += 1;
      }
      return;
    }
    const shared = object as SharedTaskObject;
    const checked = await this.typeFor(em, shared, lookups);
    if (!checked) {
      receipt.refused.push({ originTaskId, reason: `the product "${shared.product}" with task type "${shared.taskType}" is not checked in on ${this.identity.name}` });
      return;
    }
    const { taskType, check } = checked;
    const invalid = check(shared.settings);
    if (invalid) {
      receipt.refused.push({ originTaskId, reason: `${invalid} (${taskType.product.$.name} ${taskType.product.$.version} on ${this.identity.name})` });
      return;
    }
    const version = { name: shared.name.trim(), settings: shared.settings, enabled: shared.enabled };
    if (!existing) {
      lookups.held.set(originTaskId, em.create(ClientTask, { taskType: ref(taskType), ...version, shared: true, origin: ref(peer), originTaskId, originRevision: shared.originRevision, approvedRevision: 1 }));
      receipt.created += 1;
      return;
    }
    if (existing.taskType.id !== taskType.id) {
      receipt.refused.push({ originTaskId, reason: `the task is a ${taskType.name} task now; here it is of another type, so it cannot be updated` });
      return;
    }
    // Bundles may arrive out of order after retries: an older revision never overwrites a newer one.
    if (!existing.withdrawn && existing.originRevision != null && shared.originRevision <= existing.originRevision) return;
    existing.applyRevision(version);
    existing.originRevision = shared.originRevision;
    existing.withdrawn = false;
    receipt.updated += 1;
  }
}

interface CheckedTaskType {
  taskType: Loaded<ClientTaskType, 'product'>;
  check: (settings: unknown) => string | null;
}

/** What applying one bundle looks up once: the peer's tasks it names, and task types by product and name (null: not checked in). */
interface BundleLookups {
  held: Map<string, ClientTask>;
  types: Map<string, CheckedTaskType | null>;
}

/** A peer in the audit log: no user, named after the server that signed (or claimed to). */
function peerActor(issuer: string | null): Actor {
  return { id: null, name: `server:${issuer ?? 'unknown'}`.slice(0, 64) };
}
