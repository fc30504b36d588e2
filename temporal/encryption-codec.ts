import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { MasterKeys } from '../lib/master-keyring';
import { SecretBox } from '../lib/secret-box';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const ENCRYPTION_KEY_ID = 'encryption-key-id';
/** What payloads said before they named their master key: any key of the keyring may have sealed them. */
const LEGACY_KEY_ID = 'steward-v1';
const ASSOCIATED_DATA = 'temporal-payload';

/**
 * Encrypts every payload Temporal stores with AES-256-GCM: inputs, results, summaries, and
 * failures' details, messages and stack traces (temporal/failure-converter.ts). The Temporal
 * database holds no readable Steward data; the Web UI decodes through the codec endpoint, which
 * is open only to operators. Each payload names the master key that sealed it, so histories
 * written before a rotation decode as long as that key stays among the previous keys.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly box: SecretBox;

  constructor(masterKeys: MasterKeys) {
    this.box = new SecretBox(masterKeys, 'temporal-payload-codec');
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: {
        [METADATA_ENCODING_KEY]: new TextEncoder().encode(ENCRYPTED_ENCODING),
        [ENCRYPTION_KEY_ID]: new TextEncoder().encode(this.box.keyId),
      },
      data: this.box.seal(temporal.api.common.v1.Payload.encode(payload).finish(), ASSOCIATED_DATA),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || new TextDecoder().decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      if (!payload.data) throw new Error('an encrypted payload has no data');
      return temporal.api.common.v1.Payload.decode(this.box.open(payload.data, ASSOCIATED_DATA, sealingKeyId(payload)));
    });
  }
}

/** The master key a payload names, or undefined when it names none (sealed before key IDs). */
function sealingKeyId(payload: Payload): string | undefined {
  const named = payload.metadata?.[ENCRYPTION_KEY_ID];
  const keyId = named ? new TextDecoder().decode(named) : LEGACY_KEY_ID;
  return keyId === LEGACY_KEY_ID ? undefined : keyId;
}
