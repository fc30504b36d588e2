import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { masterKeyId } from '../../lib/master-keyring';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../temporal/encryption-codec';

const MASTER_KEY = Buffer.alloc(32, 0x11);
const OTHER_MASTER_KEY = Buffer.alloc(32, 0x22);
const SECRET = 'the-plaintext-password-Zq9#';

function text(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

describe('EncryptionCodec', () => {
  const codec = new EncryptionCodec(MASTER_KEY);
  const values: unknown[] = [
    { recordId: 'b1f8a2c4-0000-4000-8000-000000000001', password: SECRET, nested: { list: [1, 2, 3], flag: true } },
    'a plain string',
    42,
    null,
    undefined,
    new Uint8Array([0, 1, 2, 254, 255]),
  ];

  it('decodes what it encoded back to the same values, in order', async () => {
    const payloads = values.map((value) => defaultPayloadConverter.toPayload(value));
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded).toHaveLength(values.length);
    decoded.forEach((payload, index) => {
      expect(text(payload.metadata?.[METADATA_ENCODING_KEY])).toBe(text(payloads[index]!.metadata?.[METADATA_ENCODING_KEY]));
      expect(Buffer.from(payload.data ?? new Uint8Array()).equals(Buffer.from(payloads[index]!.data ?? new Uint8Array()))).toBe(true);
      expect(defaultPayloadConverter.fromPayload(payload)).toEqual(values[index]);
    });
  });

  it('keeps every metadata entry of the original payload', async () => {
    const payload = defaultPayloadConverter.toPayload({ a: 1 });
    payload.metadata = { ...payload.metadata, custom: new TextEncoder().encode('kept') };
    const [decoded] = await codec.decode(await codec.encode([payload]));
    expect(text(decoded!.metadata?.custom)).toBe('kept');
    expect(text(decoded!.metadata?.[METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  it('marks encoded payloads binary/encrypted, with the master key’s id, and hides the plaintext', async () => {
    const original = defaultPayloadConverter.toPayload({ password: SECRET });
    const [encoded] = await codec.encode([original]);
    expect(text(encoded!.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(ENCRYPTED_ENCODING).toBe('binary/encrypted');
    expect(text(encoded!.metadata?.['encryption-key-id'])).toBe(masterKeyId(MASTER_KEY));
    expect(Object.keys(encoded!.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
    const data = Buffer.from(encoded!.data!);
    expect(data.includes(Buffer.from(SECRET))).toBe(false);
    expect(data.includes(Buffer.from('json/plain'))).toBe(false);
    expect(data.includes(Buffer.from(original.data!))).toBe(false);
  });

  it('encrypts the same payload differently each time', async () => {
    const payload = defaultPayloadConverter.toPayload('same');
    const [first] = await codec.encode([payload]);
    const [second] = await codec.encode([payload]);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
  });

  it('passes a payload without the encrypted encoding through decode unchanged', async () => {
    const plain = defaultPayloadConverter.toPayload({ hello: 'world' });
    const noMetadata: Payload = { data: new TextEncoder().encode('raw') };
    const [first, second] = await codec.decode([plain, noMetadata]);
    expect(first).toBe(plain);
    expect(second).toBe(noMetadata);
    expect(defaultPayloadConverter.fromPayload(first!)).toEqual({ hello: 'world' });
  });

  it('decodes a mix of encrypted and plain payloads', async () => {
    const plain = defaultPayloadConverter.toPayload('plain');
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
    const decoded = await codec.decode([encrypted!, plain]);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual(['secret', 'plain']);
  });

  it('cannot be decoded by a codec with another master key', async () => {
    const encoded = await codec.encode([defaultPayloadConverter.toPayload({ password: SECRET })]);
    await expect(new EncryptionCodec(OTHER_MASTER_KEY).decode(encoded)).rejects.toThrow();
  });

  it('can be decoded by another codec instance with the same master key', async () => {
    const encoded = await codec.encode([defaultPayloadConverter.toPayload({ password: SECRET })]);
    const [decoded] = await new EncryptionCodec(Buffer.from(MASTER_KEY)).decode(encoded);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ password: SECRET });
  });

  it('rejects an encrypted payload whose data was tampered with', async () => {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload('value')]);
    const data = Buffer.from(encoded!.data!);
    data[data.length - 1] = data[data.length - 1]! ^ 0xff;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow();
  });

  it('rejects an encrypted payload without data', async () => {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload('value')]);
    await expect(codec.decode([{ metadata: encoded!.metadata }])).rejects.toThrow('an encrypted payload has no data');
  });
});
