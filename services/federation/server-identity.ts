import { createPrivateKey, type KeyObject } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ServerKey, ServerKeyStatus } from '../../db/entities';
import { type Actor, addAuditEvent, SYSTEM_ACTOR } from '../shared/audit';
import { fingerprintOf, generateServerKeyPair } from './ed25519-keys';
import type { ServerKeySecrets } from './server-key-secrets';

/** What this server is called and where peers reach its GraphQL API (STEWARD_SERVER_NAME, STEWARD_PUBLIC_URL). */
export interface ServerIdentitySettings {
  name: string;
  /** The public GraphQL URL, e.g. https://steward-a.example.com/graphql. */
  url: string;
}

export interface ServerIdentity {
  name: string;
  /** Ed25519, 32 raw bytes, base64url (see ed25519-keys.ts). */
  publicKey: string;
  /** `SHA256:<base64url>` of the public key; also the JWS `kid` of its signatures. */
  fingerprint: string;
  url: string;
  /** The key a rotation replaced, still signing next to the current one until it is retired; null when there is none. */
  previousPublicKey: string | null;
}

export interface SigningKey {
  /** The key's fingerprint. */
  kid: string;
  privateKey: KeyObject;
}

/** What signShareBundle and signed exports sign with: the issuer name and the keys, the current one first. */
export interface ShareSigner {
  issuer: string;
  keys: SigningKey[];
}

/**
 * This server's identity: its name, URL and Ed25519 key pair. The first key is made the first
 * time it is needed (the API's start asks for it), sealed with the master key.
 *
 * Rotation: the new key becomes CURRENT and the old one PREVIOUS. Everything is signed with both
 * (a JWS with two signatures), so peers that still hold the old key keep verifying until they are
 * given the new one; an administrator then retires the previous key and only the new one signs.
 */
export class ServerIdentityService {
  constructor(
    private readonly em: EntityManager,
    private readonly settings: ServerIdentitySettings,
    private readonly keySecrets: ServerKeySecrets,
  ) {}

  async current(): Promise<ServerIdentity> {
    const current = await this.currentKey();
    const previous = await this.em.findOne(ServerKey, { status: ServerKeyStatus.PREVIOUS });
    return { ...this.settings, publicKey: current.publicKey, fingerprint: fingerprintOf(current.publicKey), previousPublicKey: previous?.publicKey ?? null };
  }

  /** The keys to sign with: the current one, then the previous one while it is not retired. */
  async signer(): Promise<ShareSigner> {
    const current = await this.currentKey();
    const previous = await this.em.findOne(ServerKey, { status: ServerKeyStatus.PREVIOUS }, { populate: ['encryptedPrivateKey'] });
    const keys = [current, ...(previous ? [previous] : [])].map((key) => this.signingKey(key));
    return { issuer: this.settings.name, keys };
  }

  /**
   * Makes a new current key; the old one keeps signing alongside it until retirePreviousKey. A key
   * still signing from an earlier rotation is retired now: only the last two keys ever sign.
   */
  async rotateKey(actor: Actor): Promise<ServerIdentity> {
    await this.currentKey();
    await this.em.transactional(async (em) => {
      const keys = await em.find(ServerKey, { status: { $in: [ServerKeyStatus.CURRENT, ServerKeyStatus.PREVIOUS] } }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const old = keys.find((key) => key.status === ServerKeyStatus.CURRENT)!;
      const older = keys.find((key) => key.status === ServerKeyStatus.PREVIOUS);
      if (older) this.retire(older);
      await em.flush();
      old.status = ServerKeyStatus.PREVIOUS;
      await em.flush();
      const created = this.newKey(em, ServerKeyStatus.CURRENT);
      addAuditEvent(em, {
        actor,
        action: 'rotateServerKey',
        target: { type: 'ServerKey', id: created.id },
        outcome: AuditOutcome.SUCCESS,
        details: { fingerprint: fingerprintOf(created.publicKey), previousFingerprint: fingerprintOf(old.publicKey), retiredFingerprint: older ? fingerprintOf(older.publicKey) : null },
      });
    });
    return this.current();
  }

  /** Stops signing with the key the last rotation replaced, if one still signs: do it once every peer holds the new key. */
  async retirePreviousKey(actor: Actor): Promise<ServerIdentity> {
    await this.em.transactional(async (em) => {
      const previous = await em.findOne(ServerKey, { status: ServerKeyStatus.PREVIOUS }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!previous) return;
      this.retire(previous);
      addAuditEvent(em, { actor, action: 'retireServerKey', target: { type: 'ServerKey', id: previous.id }, outcome: AuditOutcome.SUCCESS, details: { fingerprint: fingerprintOf(previous.publicKey) } });
    });
    return this.current();
  }

  private retire(key: ServerKey): void {
    key.status = ServerKeyStatus.RETIRED;
    key.retiredAt = new Date();
  }

  private signingKey(key: ServerKey): SigningKey {
    const der = this.keySecrets.open(key.id, key.encryptedPrivateKey);
    return { kid: fingerprintOf(key.publicKey), privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
  }

  /** The current key, made on first use; two processes making it at once settle on one (a unique index). */
  private async currentKey(): Promise<ServerKey> {
    const existing = await this.em.findOne(ServerKey, { status: ServerKeyStatus.CURRENT }, { populate: ['encryptedPrivateKey'], refresh: true });
    if (existing) return existing;
    try {
      await this.em.transactional(async (em) => {
        const created = this.newKey(em, ServerKeyStatus.CURRENT);
        addAuditEvent(em, { actor: SYSTEM_ACTOR, action: 'createServerKey', target: { type: 'ServerKey', id: created.id }, outcome: AuditOutcome.SUCCESS, details: { fingerprint: fingerprintOf(created.publicKey) } });
      });
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
    return this.em.findOneOrFail(ServerKey, { status: ServerKeyStatus.CURRENT }, { populate: ['encryptedPrivateKey'], refresh: true });
  }

  private newKey(em: EntityManager, status: ServerKeyStatus): ServerKey {
    const pair = generateServerKeyPair();
    const key = em.create(ServerKey, { publicKey: pair.publicKey, encryptedPrivateKey: '', status });
    key.encryptedPrivateKey = this.keySecrets.seal(key.id, pair.privateKeyPkcs8);
    return key;
  }
}
