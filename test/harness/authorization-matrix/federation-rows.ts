import { generateKeyPairSync } from 'node:crypto';
import { encodePublicKey, fingerprintOf } from '../../../services/federation/ed25519-keys';
import type { ShareSigner } from '../../../services/federation/server-identity';
import { signShareBundle } from '../../../services/federation/share-bundle';
import { uniqueName } from '../steward';
import { administrators, everyone, input, productPermission, type Row, signedIn } from './expectations';
import type { MatrixFixtures } from './fixtures';

const REGISTER = 'mutation ($input: RegisterServerInput!) { registerServer(input: $input) { registeredServer { id version } } }';

/** A peer registered on the matrix's server, with the key it signs with. */
async function newPeer(fx: MatrixFixtures): Promise<{ id: string; version: number; signer: ShareSigner }> {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = encodePublicKey(pair.publicKey);
  const name = uniqueName('peer');
  const { registeredServer } = await fx.ok<any>(REGISTER, { input: { name, graphqlUrl: `https://${name}.example.com/graphql`, publicKey } });
  return { ...registeredServer, signer: { issuer: name, keys: [{ kid: fingerprintOf(publicKey), privateKey: pair.privateKey }] } };
}

function peerInput(): Record<string, unknown> {
  const name = uniqueName('peer');
  return { name, graphqlUrl: `https://${name}.example.com/graphql`, publicKey: encodePublicKey(generateKeyPairSync('ed25519').publicKey) };
}

export const FEDERATION_QUERY_ROWS: Record<string, Row> = {
  serverIdentity: { expect: signedIn, call: () => ({ variables: {} }) },
  registeredServers: { expect: administrators, call: () => ({ variables: {} }) },
  unverifiedClientTaskDocumentsAccepted: { expect: signedIn, call: () => ({ variables: {} }) },
  registeredServer: { expect: administrators, call: async (_profile, fx) => ({ variables: { id: (await newPeer(fx)).id } }) },
};

export const FEDERATION_MUTATION_ROWS: Record<string, Row> = {
  rotateServerKey: { expect: administrators, call: () => ({ variables: {} }) },
  retirePreviousServerKey: { expect: administrators, call: () => ({ variables: {} }) },
  registerServer: input(administrators, peerInput),
  updateRegisteredServer: input(administrators, async (fx) => {
    const peer = await newPeer(fx);
    return { id: peer.id, version: peer.version, enabled: false };
  }),
  removeRegisteredServer: input(administrators, async (fx) => {
    const peer = await newPeer(fx);
    return { id: peer.id, version: peer.version };
  }),
  // The signature is the credential: anyone may deliver a bundle a registered peer signed.
  receiveShareBundle: input(everyone, async (fx) => {
    const { name } = await fx.ok<{ name: string }>('{ serverIdentity { name } }');
    const peer = await newPeer(fx);
    return { bundle: await signShareBundle(peer.signer, { audience: name, objects: [{ kind: 'TOMBSTONE', originTaskId: uniqueName('task') }] }) };
  }),
  setUnverifiedClientTaskDocumentsAccepted: input(administrators, () => ({ accepted: true })),
  setClientTaskShared: input(productPermission, async (fx) => {
    const task = await fx.newClientTask();
    return { clientTaskId: task.id, version: task.version, shared: true };
  }),
  transferClientTaskOwnership: input(administrators, async (fx) => {
    const task = await fx.newClientTask();
    const { id } = await fx.ok<{ id: string }>('{ me { id } }');
    return { clientTaskId: task.id, version: task.version, ownerId: id };
  }),
};
