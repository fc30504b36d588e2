import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding';
import type { MasterKeys } from '../lib/master-keyring';
import { nodeKeyring } from '../lib/node-keys';
import { ENCRYPTED_ENCODING, EncryptionCodec } from './encryption-codec';
import { NODE_METADATA_KEY } from './payload-converter';

/** The keys a process seals with: the central ones hold the master keys, a remote node's worker its own node key only. */
export type CodecKeys = { masterKeys: MasterKeys } | { nodeName: string; nodeKey: Buffer };

function nodeNamed(payload: Payload): string | null {
  const named = payload.metadata?.[NODE_METADATA_KEY];
  return named ? decode(named) : null;
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return !!encoding && decode(encoding) === ENCRYPTED_ENCODING;
}

/**
 * Seals each payload for whoever must read it. A payload meant for a remote node (its metadata
 * names the node, temporal/payload-converter.ts) is sealed with that node's key, every other one
 * with the master key (temporal/encryption-codec.ts); the sealed payload keeps the node's name, so
 * the reader knows which key opens it. The central processes derive any node's key; a node's
 * worker has only its own, so it seals everything it sends with it and cannot open what was
 * sealed with the master key or for another node.
 */
export class NodeRoutingCodec implements PayloadCodec {
  private readonly master: EncryptionCodec | null;
  private readonly ownNode: string | null;
  private readonly nodeCodecs = new Map<string, EncryptionCodec>();

  constructor(private readonly keys: CodecKeys) {
    this.master = 'masterKeys' in keys ? new EncryptionCodec(keys.masterKeys) : null;
    this.ownNode = 'nodeName' in keys ? keys.nodeName : null;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const node = this.ownNode ?? nodeNamed(payload);
        if (node === null) return (await this.master!.encode([payload]))[0]!;
        const [sealed] = await this.codecFor(node).encode([payload]);
        return { ...sealed!, metadata: { ...sealed!.metadata, [NODE_METADATA_KEY]: encode(node) } };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const node = nodeNamed(payload);
        if (node !== null) return (await this.codecFor(node).decode([payload]))[0]!;
        if (this.master) return (await this.master.decode([payload]))[0]!;
        if (isEncrypted(payload)) throw new Error(`a payload sealed with the master key reached node "${this.ownNode}", which does not hold it`);
        return payload;
      }),
    );
  }

  private codecFor(node: string): EncryptionCodec {
    if (this.ownNode !== null && node !== this.ownNode) throw new Error(`a payload sealed for node "${node}" reached node "${this.ownNode}"`);
    let codec = this.nodeCodecs.get(node);
    if (!codec) {
      codec = new EncryptionCodec('nodeKey' in this.keys ? this.keys.nodeKey : nodeKeyring(this.keys.masterKeys, node));
      this.nodeCodecs.set(node, codec);
    }
    return codec;
  }
}
