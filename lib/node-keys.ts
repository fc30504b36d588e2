import { createHmac } from 'node:crypto';
import { signClaims } from './signed-claims';
import { keyringOf, MasterKeyring, type MasterKeys } from './master-keyring';

/**
 * A remote node's key: what its worker seals and opens Temporal payloads with, in place of the
 * master key it never holds. Derived from the master key, so the central workers can work out any
 * node's key, while a node's own key opens nothing sealed with the master key or for another node.
 */
export function deriveNodeKey(masterKey: Buffer, nodeName: string): Buffer {
  return createHmac('sha256', masterKey).update(`steward:node:${nodeName}`).digest();
}

/**
 * The node's keys under each master key of the keyring, the current one first: payloads a node
 * sealed before a master key rotation still open, while it runs with its previous key.
 */
export function nodeKeyring(masterKeys: MasterKeys, nodeName: string): MasterKeyring {
  const keyring = keyringOf(masterKeys);
  return new MasterKeyring(
    deriveNodeKey(keyring.current, nodeName),
    keyring.previous.map((key) => deriveNodeKey(key, nodeName)),
  );
}

/** How far a node's hello may be from the API's clock and still be taken. */
export const NODE_HELLO_FRESH_MS = 5 * 60_000;

/** What a node's worker shows the API at start, to learn whether its node is registered under the key it holds. */
export function nodeHello(nodeName: string, nodeKey: Buffer, now: number): string {
  return signClaims(nodeKey, { node: nodeName, at: now });
}
