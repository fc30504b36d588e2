import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const TEXT_FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM encryption for secrets. Each purpose gets its own key derived from the master
 * key, and callers bind ciphertexts to where they live (associated data), so a value copied to
 * another row or column fails to decrypt instead of leaking.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer, purpose: string) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.key = createHmac('sha256', masterKey).update(`steward:${purpose}`).digest();
  }

  /** Seals text for a database column: `v1:<iv>:<tag>:<ciphertext>`, base64 parts. */
  encrypt(plaintext: string, associatedData: string): string {
    const sealed = this.seal(Buffer.from(plaintext, 'utf8'), associatedData);
    const iv = sealed.subarray(0, IV_BYTES);
    const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ciphertext = sealed.subarray(IV_BYTES + TAG_BYTES);
    return [TEXT_FORMAT, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
  }

  decrypt(sealedText: string, associatedData: string): string {
    const [format, iv, tag, ciphertext] = sealedText.split(':');
    if (format !== TEXT_FORMAT || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed secret');
    const sealed = Buffer.concat([Buffer.from(iv, 'base64'), Buffer.from(tag, 'base64'), Buffer.from(ciphertext, 'base64')]);
    return this.open(sealed, associatedData).toString('utf8');
  }

  /** Seals bytes as `iv ‖ tag ‖ ciphertext`. */
  seal(plaintext: Uint8Array, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  open(sealed: Uint8Array, associatedData: string): Buffer {
    const bytes = Buffer.from(sealed);
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('sealed data is too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}
