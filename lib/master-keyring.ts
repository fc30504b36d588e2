import { createHmac } from 'node:crypto';

const KEY_BYTES = 32;

/** A master key's short, stable name: safe to store beside what it sealed and to print, it tells nothing of the key. */
export function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('steward:key-id').digest().subarray(0, 8).toString('hex');
}

/**
 * The master key that seals new values, and the older ones that still open what they sealed,
 * each known by its key ID. Rotating the master key makes the new key current and keeps the
 * old ones as previous, so values sealed before (Temporal histories among them) stay readable.
 */
export class MasterKeyring {
  readonly currentId: string;
  private readonly byId = new Map<string, Buffer>();

  constructor(
    readonly current: Buffer,
    readonly previous: readonly Buffer[] = [],
  ) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes`);
      const id = masterKeyId(key);
      if (!this.byId.has(id)) this.byId.set(id, key);
    }
    this.currentId = masterKeyId(current);
  }

  /** Every key ID, the current one first: the order a value that names no key is tried in. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /** The key with this ID, or undefined when the keyring does not hold it. */
  find(id: string): Buffer | undefined {
    return this.byId.get(id);
  }

  /** The keyring after a rotation to `next`: it seals with `next` and still opens everything this one opens. */
  rotatedTo(next: Buffer): MasterKeyring {
    return new MasterKeyring(next, [this.current, ...this.previous].filter((key) => !key.equals(next)));
  }
}

/** A keyring, or one master key on its own (a keyring without previous keys). */
export type MasterKeys = Buffer | MasterKeyring;

export function keyringOf(keys: MasterKeys): MasterKeyring {
  return Buffer.isBuffer(keys) ? new MasterKeyring(keys) : keys;
}
