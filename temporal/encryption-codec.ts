import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SecretBox } from '../lib/secret-box';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const ENCRYPTION_KEY_ID = 'encryption-key-id';
const KEY_ID = 'steward-v1';
const ASSOCIATED_DATA = 'temporal-payload';

/**
 * Encrypts every payload Temporal stores with AES-256-GCM: inputs, results, summaries, and
 * failures' details, messages and stack traces (temporal/failure-converter.ts). The Temporal
 * database holds no readable Steward data; the Web UI decodes through the codec endpoint, which
 * is open only to operators.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly box: SecretBox;

  constructor(masterKey: Buffer) {
    this.box = new SecretBox(masterKey, 'temporal-payload-codec');
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: {
        [METADATA_ENCODING_KEY]: new TextEncoder().encode(ENCRYPTED_ENCODING),
        [ENCRYPTION_KEY_ID]: new TextEncoder().encode(KEY_ID),
      },
      data: this.box.seal(temporal.api.common.v1.Payload.encode(payload).finish(), ASSOCIATED_DATA),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || new TextDecoder().decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      if (!payload.data) throw new Error('an encrypted payload has no data');
      return temporal.api.common.v1.Payload.decode(this.box.open(payload.data, ASSOCIATED_DATA));
    });
  }
}
