import { createHmac } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadMasterKeyring } from '../../infra/config';
import { MasterKeyring, masterKeyId } from '../../lib/master-keyring';
import { SecretBox } from '../../lib/secret-box';
import { EncryptionCodec } from '../../temporal/encryption-codec';

const OLDER = Buffer.alloc(32, 0x01);
const OLD = Buffer.alloc(32, 0x02);
const NEW = Buffer.alloc(32, 0x03);
const PURPOSE = 'vault-record-password';
const AD = 'record:6f1f7f0a-8a1e-4c55-9d0e-2f4b7f3c9a10:password';

/** The same ciphertext as the `v1:<iv>:<tag>:<ciphertext>` values written before key IDs. */
function asLegacy(sealed: string): string {
  const [, , iv, tag, ciphertext] = sealed.split(':');
  return ['v1', iv, tag, ciphertext].join(':');
}

const sealWith = (keys: Buffer | MasterKeyring, plaintext: string) => new SecretBox(keys, PURPOSE).encrypt(plaintext, AD);
const openWith = (keys: Buffer | MasterKeyring, sealed: string) => new SecretBox(keys, PURPOSE).decrypt(sealed, AD);

describe('masterKeyId', () => {
  it('is the first 8 bytes, in hex, of HMAC-SHA256(key, "steward:key-id")', () => {
    expect(masterKeyId(OLD)).toBe(createHmac('sha256', OLD).update('steward:key-id').digest('hex').slice(0, 16));
    expect(masterKeyId(OLD)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is stable for a key, differs between keys, and shows nothing of the key', () => {
    expect(masterKeyId(Buffer.from(OLD))).toBe(masterKeyId(OLD));
    expect(masterKeyId(NEW)).not.toBe(masterKeyId(OLD));
    expect(OLD.toString('hex')).not.toContain(masterKeyId(OLD));
  });
});

describe('MasterKeyring', () => {
  it('lists its key IDs current first, and finds keys by ID', () => {
    const keyring = new MasterKeyring(NEW, [OLD, OLDER, OLD]);
    expect(keyring.currentId).toBe(masterKeyId(NEW));
    expect(keyring.ids).toEqual([masterKeyId(NEW), masterKeyId(OLD), masterKeyId(OLDER)]);
    expect(keyring.find(masterKeyId(OLDER))!.equals(OLDER)).toBe(true);
    expect(keyring.find('0000000000000000')).toBeUndefined();
  });

  it('rotates to a new key, keeping every key it had as previous', () => {
    const rotated = new MasterKeyring(OLD, [OLDER]).rotatedTo(NEW);
    expect(rotated.current.equals(NEW)).toBe(true);
    expect(rotated.previous).toEqual([OLD, OLDER]);
    expect(new MasterKeyring(OLD, [NEW]).rotatedTo(NEW).previous).toEqual([OLD]);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new MasterKeyring(NEW, [Buffer.alloc(16)])).toThrow('the master key must be 32 bytes');
  });
});

describe('sealed text under a keyring', () => {
  it('names the current key in v2 values', () => {
    const [format, keyId] = sealWith(new MasterKeyring(NEW, [OLD]), 'secret').split(':');
    expect([format, keyId]).toEqual(['v2', masterKeyId(NEW)]);
  });

  it('opens a v2 value sealed with a previous key by the key it names', () => {
    const sealed = sealWith(OLD, 'sealed before the rotation');
    expect(openWith(new MasterKeyring(NEW, [OLDER, OLD]), sealed)).toBe('sealed before the rotation');
  });

  it('opens a v1 value with the current key or any previous one', () => {
    expect(openWith(new MasterKeyring(OLD), asLegacy(sealWith(OLD, 'legacy')))).toBe('legacy');
    expect(openWith(new MasterKeyring(NEW, [OLD, OLDER]), asLegacy(sealWith(OLDER, 'older legacy')))).toBe('older legacy');
  });

  it('fails when the keyring lacks the key: a v2 value says which key it needs', () => {
    const sealed = sealWith(OLD, 'secret');
    expect(() => openWith(NEW, sealed)).toThrow(`sealed with master key ${masterKeyId(OLD)}, which is neither the current master key nor one of the previous ones`);
    expect(() => openWith(new MasterKeyring(NEW, [OLDER]), asLegacy(sealed))).toThrow();
  });

  it('fails when a v2 value names another key than the one that sealed it', () => {
    const [format, , ...rest] = sealWith(OLD, 'secret').split(':');
    const misnamed = [format, masterKeyId(NEW), ...rest].join(':');
    expect(() => openWith(new MasterKeyring(NEW, [OLD]), misnamed)).toThrow();
  });
});

describe('Temporal payloads under a keyring', () => {
  const encodeWith = async (keys: Buffer | MasterKeyring, value: unknown) => (await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload(value)]))[0]!;
  const decodeWith = async (keys: Buffer | MasterKeyring, payload: Payload) => defaultPayloadConverter.fromPayload((await new EncryptionCodec(keys).decode([payload]))[0]!);
  const keyIdOf = (payload: Payload) => Buffer.from(payload.metadata!['encryption-key-id']!).toString('utf8');

  it('names the current key in the metadata and decodes by it after a rotation', async () => {
    const payload = await encodeWith(OLD, { step: 'history written before the rotation' });
    expect(keyIdOf(payload)).toBe(masterKeyId(OLD));
    expect(await decodeWith(new MasterKeyring(NEW, [OLD]), payload)).toEqual({ step: 'history written before the rotation' });
    await expect(decodeWith(NEW, payload)).rejects.toThrow(`sealed with master key ${masterKeyId(OLD)}`);
  });

  it('tries each key for payloads of the legacy id steward-v1', async () => {
    const payload = await encodeWith(OLD, 'legacy history');
    payload.metadata!['encryption-key-id'] = new TextEncoder().encode('steward-v1');
    expect(await decodeWith(new MasterKeyring(NEW, [OLDER, OLD]), payload)).toBe('legacy history');
    await expect(decodeWith(new MasterKeyring(NEW, [OLDER]), payload)).rejects.toThrow();
  });
});

describe('loadMasterKeyring', () => {
  const base64 = (key: Buffer) => key.toString('base64');

  it('takes STEWARD_MASTER_KEY as current and STEWARD_PREVIOUS_MASTER_KEYS, comma-separated, as previous', () => {
    const keyring = loadMasterKeyring({ STEWARD_MASTER_KEY: base64(NEW), STEWARD_PREVIOUS_MASTER_KEYS: ` ${base64(OLD)}, ,${base64(OLDER)},` });
    expect(keyring.ids).toEqual([NEW, OLD, OLDER].map(masterKeyId));
    expect(loadMasterKeyring({ STEWARD_MASTER_KEY: base64(NEW) }).previous).toEqual([]);
  });

  it('names a bad previous key by its position without echoing it', () => {
    const bad = Buffer.alloc(20, 9).toString('base64');
    expect(() => loadMasterKeyring({ STEWARD_MASTER_KEY: base64(NEW), STEWARD_PREVIOUS_MASTER_KEYS: `${base64(OLD)},${bad}` })).toThrow(
      'key 2 of STEWARD_PREVIOUS_MASTER_KEYS must decode to 32 bytes, got 20',
    );
  });
});
