import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';

/** The same converter for clients and workers: payloads are encrypted before they leave the process. */
export function stewardDataConverter(masterKey: Buffer): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(masterKey)] };
}
