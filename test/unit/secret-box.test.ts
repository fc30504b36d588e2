import { randomBytes } from 'node:crypto';
import { parseMasterKey } from '../../infra/config';
import { masterKeyId } from '../../lib/master-keyring';
import { SecretBox } from '../../lib/secret-box';

const MASTER_KEY = Buffer.alloc(32, 0x42);
const AD = 'vault_record:0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11:password';

/** Flips one bit of a byte in a copy of `bytes`. */
function flipBit(bytes: Buffer, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

/** Flips one bit in the decoded bytes of one base64 part of a `v2:<keyId>:<iv>:<tag>:<ciphertext>` string. */
function tamperTextPart(sealed: string, part: 2 | 3 | 4): string {
  const parts = sealed.split(':');
  parts[part] = flipBit(Buffer.from(parts[part]!, 'base64'), 0).toString('base64');
  return parts.join(':');
}

describe('SecretBox', () => {
  const box = new SecretBox(MASTER_KEY, 'vault-password');

  describe('text (database columns)', () => {
    it('round-trips text, including non-ASCII characters', () => {
      const plaintext = 'correct horse battery staple — ünïcødé 🔐';
      const sealed = box.encrypt(plaintext, AD);
      expect(box.decrypt(sealed, AD)).toBe(plaintext);
    });

    it('round-trips the empty string', () => {
      expect(box.decrypt(box.encrypt('', AD), AD)).toBe('');
    });

    it('produces the v2:<keyId>:<iv>:<tag>:<ciphertext> format without the plaintext in it', () => {
      const plaintext = 'hunter2-hunter2';
      const sealed = box.encrypt(plaintext, AD);
      const [format, keyId, iv, tag, ciphertext, ...rest] = sealed.split(':');
      expect(format).toBe('v2');
      expect(keyId).toBe(masterKeyId(MASTER_KEY));
      expect(Buffer.from(iv!, 'base64')).toHaveLength(12);
      expect(Buffer.from(tag!, 'base64')).toHaveLength(16);
      expect(Buffer.from(ciphertext!, 'base64')).toHaveLength(Buffer.byteLength(plaintext));
      expect(rest).toEqual([]);
      expect(sealed).not.toContain(plaintext);
      expect(sealed).not.toContain(Buffer.from(plaintext).toString('base64'));
    });

    it('refuses to decrypt under different associated data', () => {
      const sealed = box.encrypt('s3cret', AD);
      expect(() => box.decrypt(sealed, `${AD}-other-row`)).toThrow();
      expect(() => box.decrypt(sealed, '')).toThrow();
    });

    it.each([
      ['iv', 2],
      ['tag', 3],
      ['ciphertext', 4],
    ] as const)('refuses to decrypt when the %s is tampered with', (_name, part) => {
      const sealed = box.encrypt('s3cret value', AD);
      const tampered = tamperTextPart(sealed, part);
      expect(tampered).not.toBe(sealed);
      expect(() => box.decrypt(tampered, AD)).toThrow();
    });

    it('refuses a truncated tag', () => {
      const parts = box.encrypt('s3cret value', AD).split(':');
      parts[3] = Buffer.from(parts[3]!, 'base64').subarray(0, 8).toString('base64');
      expect(() => box.decrypt(parts.join(':'), AD)).toThrow();
    });

    it.each(['', 's3cret', 'v2:AAAA:AAAA:AAAA', 'v2::AAAA:AAAA:AAAA', 'v3:k:AAAA:AAAA:AAAA', 'v1:AAAA', 'v1::AAAA:AAAA'])('refuses %p as not a sealed secret', (text) => {
      expect(() => box.decrypt(text, AD)).toThrow('not a sealed secret');
    });

    it('gives two different ciphertexts for the same plaintext', () => {
      const first = box.encrypt('same plaintext', AD);
      const second = box.encrypt('same plaintext', AD);
      expect(first).not.toBe(second);
      expect(first.split(':')[2]).not.toBe(second.split(':')[2]);
      expect(box.decrypt(first, AD)).toBe('same plaintext');
      expect(box.decrypt(second, AD)).toBe('same plaintext');
    });
  });

  describe('bytes', () => {
    it('round-trips bytes as iv ‖ tag ‖ ciphertext', () => {
      const plaintext = randomBytes(100);
      const sealed = box.seal(plaintext, AD);
      expect(sealed).toHaveLength(12 + 16 + plaintext.length);
      expect(box.open(sealed, AD).equals(plaintext)).toBe(true);
    });

    it('accepts a plain Uint8Array', () => {
      const plaintext = new Uint8Array([0, 1, 2, 255]);
      const sealed = box.seal(plaintext, AD);
      expect([...box.open(new Uint8Array(sealed), AD)]).toEqual([0, 1, 2, 255]);
    });

    it('refuses to open under different associated data', () => {
      const sealed = box.seal(Buffer.from('bytes'), AD);
      expect(() => box.open(sealed, 'another place')).toThrow();
    });

    it.each([
      ['iv', 0],
      ['iv', 11],
      ['tag', 12],
      ['tag', 27],
      ['ciphertext', 28],
      ['ciphertext', 28 + 15],
    ])('refuses to open when a byte of the %s (offset %i) is tampered with', (_name, index) => {
      const sealed = box.seal(Buffer.alloc(16, 0x61), AD);
      expect(() => box.open(flipBit(sealed, index), AD)).toThrow();
    });

    it('refuses sealed data shorter than an iv and a tag', () => {
      expect(() => box.open(Buffer.alloc(27), AD)).toThrow('sealed data is too short');
    });

    it('refuses sealed data with bytes appended or removed', () => {
      const sealed = box.seal(Buffer.from('some bytes'), AD);
      expect(() => box.open(Buffer.concat([sealed, Buffer.from([0])]), AD)).toThrow();
      expect(() => box.open(sealed.subarray(0, sealed.length - 1), AD)).toThrow();
    });

    it('gives two different sealed values for the same bytes', () => {
      const plaintext = Buffer.from('same bytes');
      expect(box.seal(plaintext, AD).equals(box.seal(plaintext, AD))).toBe(false);
    });
  });

  describe('keys', () => {
    it('derives a separate key per purpose: one purpose cannot open another purpose’s ciphertexts', () => {
      const passwords = new SecretBox(MASTER_KEY, 'vault-password');
      const codec = new SecretBox(MASTER_KEY, 'temporal-payload-codec');
      const sealedText = passwords.encrypt('s3cret', AD);
      const sealedBytes = passwords.seal(Buffer.from('s3cret'), AD);
      expect(() => codec.decrypt(sealedText, AD)).toThrow();
      expect(() => codec.open(sealedBytes, AD)).toThrow();
      expect(() => passwords.decrypt(codec.encrypt('s3cret', AD), AD)).toThrow();
    });

    it('opens with another instance of the same master key and purpose', () => {
      const sealed = box.encrypt('s3cret', AD);
      expect(new SecretBox(Buffer.from(MASTER_KEY), 'vault-password').decrypt(sealed, AD)).toBe('s3cret');
    });

    it('cannot open ciphertexts sealed under another master key', () => {
      const other = new SecretBox(Buffer.alloc(32, 0x43), 'vault-password');
      expect(() => other.decrypt(box.encrypt('s3cret', AD), AD)).toThrow();
    });

    it.each([0, 16, 31, 33, 64])('refuses a master key of %i bytes', (length) => {
      expect(() => new SecretBox(Buffer.alloc(length, 1), 'vault-password')).toThrow('the master key must be 32 bytes');
    });
  });
});

describe('parseMasterKey', () => {
  it.each([undefined, ''])('refuses a missing key (%p) and says how to make one', (value) => {
    expect(() => parseMasterKey(value)).toThrow(/STEWARD_MASTER_KEY is not set.*32 random bytes/);
  });

  it.each([16, 31, 33, 48])('refuses a key that decodes to %i bytes, without echoing the key', (length) => {
    const encoded = randomBytes(length).toString('base64');
    let message = '';
    try {
      parseMasterKey(encoded);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`STEWARD_MASTER_KEY must decode to 32 bytes, got ${length}`);
    expect(message).not.toContain(encoded);
  });

  it('returns the 32 decoded bytes of a good key', () => {
    const raw = randomBytes(32);
    const key = parseMasterKey(raw.toString('base64'));
    expect(Buffer.isBuffer(key)).toBe(true);
    expect(key.equals(raw)).toBe(true);
  });

  it('returns a key that SecretBox accepts', () => {
    const key = parseMasterKey(randomBytes(32).toString('base64'));
    const box = new SecretBox(key, 'vault-password');
    expect(box.decrypt(box.encrypt('ok', AD), AD)).toBe('ok');
  });
});
