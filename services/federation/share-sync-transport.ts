import type { RegisteredServer } from '../../db/entities';

/** What a peer's receiveShareBundle answered. */
export interface PeerAnswer {
  created: number;
  updated: number;
  withdrawn: number;
  refused: { originTaskId: string; reason: string }[];
}

/** A peer that does not answer within this long is treated as down for this try. */
const REQUEST_TIMEOUT_MS = 60_000;

const RECEIVE_SHARE_BUNDLE = `mutation ReceiveShareBundle($input: ReceiveShareBundleInput!) {
  receiveShareBundle(input: $input) { created updated withdrawn refused { originTaskId reason } }
}`;

/** The peer was reached but did not accept the bundle; its message names the rule it applied. */
export class PeerRefusedBundleError extends Error {
  constructor(peerName: string, message: string) {
    super(`${peerName} refused the bundle: ${message}`);
    this.name = 'PeerRefusedBundleError';
  }
}

/** Posts a signed bundle to the peer's GraphQL URL; the signature is the credential, so no user token is sent. */
export async function postShareBundle(peer: Pick<RegisteredServer, 'name' | 'graphqlUrl'>, bundle: string): Promise<PeerAnswer> {
  const response = await fetch(peer.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: RECEIVE_SHARE_BUNDLE, variables: { input: { bundle } } }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: { data?: { receiveShareBundle?: PeerAnswer | null } | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new PeerRefusedBundleError(peer.name, `HTTP ${response.status} with a body that is not JSON`);
  }
  const answer = body.data?.receiveShareBundle;
  if (!answer) {
    const error = body.errors?.[0];
    throw new PeerRefusedBundleError(peer.name, error ? `${error.extensions?.code ?? 'ERROR'}: ${error.message}` : `HTTP ${response.status} without an answer`);
  }
  return answer;
}
