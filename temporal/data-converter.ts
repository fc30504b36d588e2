import type { DataConverter } from '@temporalio/common';
import type { MasterKeys } from '../lib/master-keyring';
import { type CodecKeys, NodeRoutingCodec } from './node-codec';

/** Bundled into the workflow sandbox too: the test harness passes it to `bundleWorkflowCode`. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
/** Bundled into the workflow sandbox too (temporal/workflow-bundle.ts): it marks what is sealed for a remote node. */
export const PAYLOAD_CONVERTER_PATH = require.resolve('./payload-converter');

function converterWith(keys: CodecKeys): DataConverter {
  return { payloadCodecs: [new NodeRoutingCodec(keys)], payloadConverterPath: PAYLOAD_CONVERTER_PATH, failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** The same converter for clients and the central workers: payloads and failures are encrypted before they leave the process. */
export function stewardDataConverter(masterKey: MasterKeys): DataConverter {
  return converterWith({ masterKeys: masterKey });
}

/** A keyless remote node's worker: it seals and opens with its own node key only (temporal/node-codec.ts). */
export function nodeDataConverter(nodeName: string, nodeKey: Buffer): DataConverter {
  return converterWith({ nodeName, nodeKey });
}
