import { defaultPayloadConverter, type Payload, type PayloadConverter } from '@temporalio/common';
import { encode } from '@temporalio/common/lib/encoding';
import type { SealedForNode } from '../lib/nodes';

/** The metadata naming the node whose key seals a payload (temporal/node-codec.ts). */
export const NODE_METADATA_KEY = 'steward-node';

function nodeOf(value: unknown): string | null {
  const node = (value as Partial<SealedForNode> | null | undefined)?.sealedForNode;
  return typeof value === 'object' && typeof node === 'string' ? node : null;
}

/**
 * Temporal's default converter, which also names the node a value is sealed for in the payload's
 * metadata. It runs in the workflow sandbox, which can do no cryptography: the codec, outside it,
 * reads the name and seals with that node's key. Loaded by path (temporal/data-converter.ts), so
 * it imports only what workflows may.
 */
export const payloadConverter: PayloadConverter = {
  toPayload(value): Payload {
    const payload = defaultPayloadConverter.toPayload(value);
    const node = nodeOf(value);
    return node === null ? payload : { ...payload, metadata: { ...payload.metadata, [NODE_METADATA_KEY]: encode(node) } };
  },
  fromPayload: (payload) => defaultPayloadConverter.fromPayload(payload),
};
