import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';

/** Bundled into the workflow sandbox too: the test harness passes it to `bundleWorkflowCode`. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The same converter for clients and workers: payloads and failures are encrypted before they leave the process. */
export function stewardDataConverter(masterKey: Buffer): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(masterKey)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
