import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { keyringOf, type MasterKeys } from './master-keyring';

/** `v2:<keyId>:<iv>:<tag>:<ciphertext>`; `v1:` values, sealed before key IDs, name no key. */
const TEXT_FORMAT = 'v2';
const LEGACY_TEXT_FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM encryption for secrets. Each purpose gets its own key derived from the master
 * key, and callers bind ciphertexts to where they live (associated data), so a value copied to
 * another row or column fails to decrypt instead of leaking. New values are sealed with the
 * keyring's current key; values sealed with a previous one still open.
 */
export class SecretBox {
  /** The ID of the master key new values are sealed with. */
  readonly keyId: string;
  /** The purpose's key under each master key, by master key ID, the current one first. */
  private readonly keys = new Map<string, Buffer>();

  constructor(masterKeys: MasterKeys, purpose: string) {
    const keyring = keyringOf(masterKeys);
    for (const id of keyring.ids) this.keys.set(id, createHmac('sha256', keyring.find(id)!).update(`steward:${purpose}`).digest());
    this.keyId = keyring.currentId;
  }

  /** Seals text for a database column: `v2:<keyId>:<iv>:<tag>:<ciphertext>`, base64 parts. */
  encrypt(plaintext: string, associatedData: string): string {
    const sealed = this.seal(Buffer.from(plaintext, 'utf8'), associatedData);
    const iv = sealed.subarray(0, IV_BYTES);
    const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ciphertext = sealed.subarray(IV_BYTES + TAG_BYTES);
    return [TEXT_FORMAT, this.keyId, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
  }

  decrypt(sealedText: string, associatedData: string): string {
    const { keyId, iv, tag, ciphertext } = sealedTextParts(sealedText);
    const sealed = Buffer.concat([Buffer.from(iv, 'base64'), Buffer.from(tag, 'base64'), Buffer.from(ciphertext, 'base64')]);
    return this.open(sealed, associatedData, keyId).toString('utf8');
  }

  /** Seals bytes as `iv ‖ tag ‖ ciphertext` with the current key; `keyId` names it. */
  seal(plaintext: Uint8Array, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Opens with the master key `keyId` names; without one (values sealed before key IDs), with each key in turn. */
  open(sealed: Uint8Array, associatedData: string, keyId?: string): Buffer {
    const bytes = Buffer.from(sealed);
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('sealed data is too short');
    if (keyId === undefined) return this.openWithAnyKey(bytes, associatedData);
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`sealed with master key ${keyId}, which is neither the current master key nor one of the previous ones`);
    return openWith(key, bytes, associatedData);
  }

  private openWithAnyKey(bytes: Buffer, associatedData: string): Buffer {
    let failure: unknown;
    for (const key of this.keys.values()) {
      try {
        return openWith(key, bytes, associatedData);
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }
}

function sealedTextParts(sealedText: string): { keyId?: string; iv: string; tag: string; ciphertext: string } {
  const parts = sealedText.split(':');
  const [format] = parts;
  const [keyId, iv, tag, ciphertext] = format === TEXT_FORMAT && parts.length === 5 ? parts.slice(1) : [undefined, ...parts.slice(1)];
  const wellFormed = format === TEXT_FORMAT ? parts.length === 5 && !!keyId : format === LEGACY_TEXT_FORMAT && parts.length === 4;
  if (!wellFormed || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed secret');
  return { keyId, iv, tag, ciphertext };
}

function openWith(key: Buffer, bytes: Buffer, associatedData: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
