import type { Payload } from '@temporalio/common';
import { MasterKeyring } from '../../lib/master-keyring';
import { deriveNodeKey } from '../../lib/node-keys';
import { NodeRoutingCodec } from '../../temporal/node-codec';
import { NODE_METADATA_KEY, payloadConverter } from '../../temporal/payload-converter';

const MASTER_KEY = Buffer.alloc(32, 0x11);
const NEXT_MASTER_KEY = Buffer.alloc(32, 0x33);
const SECRET = 'the-plaintext-password-Zq9#';

const central = new NodeRoutingCodec({ masterKeys: MASTER_KEY });
const edge = new NodeRoutingCodec({ nodeName: 'edge', nodeKey: deriveNodeKey(MASTER_KEY, 'edge') });
const other = new NodeRoutingCodec({ nodeName: 'other', nodeKey: deriveNodeKey(MASTER_KEY, 'other') });

const toPayload = (value: unknown) => payloadConverter.toPayload(value);
const fromPayload = (payload: Payload) => payloadConverter.fromPayload(payload);
const nodeOf = (payload: Payload) => (payload.metadata?.[NODE_METADATA_KEY] ? Buffer.from(payload.metadata[NODE_METADATA_KEY]).toString('utf8') : null);

describe('NodeRoutingCodec', () => {
  it('seals an input marked for a node so that node opens it, and never puts the secret in the clear', async () => {
    const input = { sealedForNode: 'edge', login: { password: SECRET } };
    const [sealed] = await central.encode([toPayload(input)]);
    expect(nodeOf(sealed!)).toBe('edge');
    expect(Buffer.from(sealed!.data!).toString('utf8')).not.toContain(SECRET);
    expect(fromPayload((await edge.decode([sealed!]))[0]!)).toEqual(input);
  });

  it('keeps a node from opening what the master key sealed, or what was sealed for another node', async () => {
    const [masterSealed] = await central.encode([toPayload({ password: SECRET })]);
    expect(nodeOf(masterSealed!)).toBeNull();
    await expect(edge.decode([masterSealed!])).rejects.toThrow('a payload sealed with the master key reached node "edge", which does not hold it');

    const [forOther] = await central.encode([toPayload({ sealedForNode: 'other', password: SECRET })]);
    await expect(edge.decode([forOther!])).rejects.toThrow('a payload sealed for node "other" reached node "edge"');
    // Relabelled as the edge's, it still does not open: the other node's key sealed it.
    const relabelled = { ...forOther!, metadata: { ...forOther!.metadata, [NODE_METADATA_KEY]: Buffer.from('edge') } };
    await expect(edge.decode([relabelled])).rejects.toThrow();
    expect(fromPayload((await other.decode([forOther!]))[0]!)).toMatchObject({ password: SECRET });
  });

  it('seals all a node sends with its own key, which the central side opens by deriving it', async () => {
    const [result] = await edge.encode([toPayload({ exitCode: 0, output: 'changed' })]);
    expect(nodeOf(result!)).toBe('edge');
    expect(fromPayload((await central.decode([result!]))[0]!)).toEqual({ exitCode: 0, output: 'changed' });
    await expect(other.decode([result!])).rejects.toThrow('sealed for node "edge" reached node "other"');
  });

  it('opens what a node sealed before a master key rotation, with the previous master key', async () => {
    const [beforeRotation] = await edge.encode([toPayload('heartbeat details')]);
    const rotated = new NodeRoutingCodec({ masterKeys: new MasterKeyring(NEXT_MASTER_KEY, [MASTER_KEY]) });
    expect(fromPayload((await rotated.decode([beforeRotation!]))[0]!)).toBe('heartbeat details');
    await expect(new NodeRoutingCodec({ masterKeys: NEXT_MASTER_KEY }).decode([beforeRotation!])).rejects.toThrow();
  });

  it('gives every node its own key', () => {
    expect(deriveNodeKey(MASTER_KEY, 'edge').equals(deriveNodeKey(MASTER_KEY, 'other'))).toBe(false);
    expect(deriveNodeKey(MASTER_KEY, 'edge').equals(deriveNodeKey(NEXT_MASTER_KEY, 'edge'))).toBe(false);
  });
});
