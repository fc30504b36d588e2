import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServices } from '../services';
import { encodePublicKey, fingerprintOf } from '../services/federation/ed25519-keys';
import type { ShareSigner } from '../services/federation/server-identity';
import { MAX_SHARE_BUNDLE_BYTES, type ShareObject, type SharedTaskObject, signShareBundle } from '../services/federation/share-bundle';
import { temporalPorts } from '../temporal/ports';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const RECEIVE = 'mutation ($input: ReceiveShareBundleInput!) { receiveShareBundle(input: $input) { created updated withdrawn refused { originTaskId reason } } }';
const TARGET = 'wire-target';
const MINUTE = 60_000;

interface Peer {
  name: string;
  id: string;
  version: number;
  signer: ShareSigner;
}

function keyPair(): { publicKey: string; privateKey: KeyObject } {
  const pair = generateKeyPairSync('ed25519');
  return { publicKey: encodePublicKey(pair.publicKey), privateKey: pair.privateKey };
}

function signerFor(issuer: string, privateKey: KeyObject, publicKey: string): ShareSigner {
  return { issuer, keys: [{ kid: fingerprintOf(publicKey), privateKey }] };
}

describe('receiving shared client tasks: the signed wire', () => {
  let stack: StewardStack;
  let databaseUrl: string | undefined;
  let admin: string;
  let peer: Peer;

  const ok = async (query: string, variables: Record<string, unknown> = {}, token = admin) => {
    const result = await stack.graphql<any>(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const send = (bundle: string) => stack.graphql<any>(RECEIVE, { input: { bundle } });
  const register = async (name: string, publicKey: string, enabled = true) =>
    (await ok('mutation ($input: RegisterServerInput!) { registerServer(input: $input) { registeredServer { id name version enabled } } }', { input: { name, graphqlUrl: `https://${name}.example.com/graphql`, publicKey, enabled } })).registerServer
      .registeredServer;
  const newPeer = async (enabled = true): Promise<Peer> => {
    const name = uniqueName('peer');
    const { publicKey, privateKey } = keyPair();
    const registered = await register(name, publicKey, enabled);
    return { name, id: registered.id, version: registered.version, signer: signerFor(name, privateKey, publicKey) };
  };
  const task = (overrides: Partial<SharedTaskObject> = {}): SharedTaskObject => ({
    kind: 'TASK',
    originTaskId: uniqueName('origin-task'),
    originRevision: 1,
    name: uniqueName('Shared statistics'),
    product: 'Agent',
    taskType: 'Statistics',
    settings: { paths: ['/var'] },
    enabled: true,
    ...overrides,
  });
  const bundle = (signer: ShareSigner, objects: ShareObject[], audience = TARGET, now?: Date) => signShareBundle(signer, { audience, objects }, now);
  /** Every client task row, so a refused bundle can be shown to have changed nothing. */
  const catalog = async () => {
    const [row] = await stack.orm.em.fork().getConnection().execute<Record<string, string>[]>(
      `select count(*) as tasks, md5(coalesce(string_agg(id || name || settings::text || enabled || withdrawn || coalesce(origin_revision, 0) || version, ',' order by id), '')) as rows from client_tasks`,
    );
    return row;
  };
  const refusalsAudited = async (rule: string) => {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>(
      `select count(*) from audit_events where action = 'receiveShareBundle' and outcome = 'FAILURE' and details->>'rule' = ?`,
      [rule],
    );
    return Number(row!.count);
  };
  const receivedTask = async (origin: Peer, originTaskId: string) => {
    const [row] = await stack.orm.em.fork().getConnection().execute<any[]>(
      'select id, name, settings, enabled, shared, withdrawn, origin_task_id, origin_revision, owner_id from client_tasks where origin_id = ? and origin_task_id = ?',
      [origin.id, originTaskId],
    );
    return row;
  };

  /** Sends the bundle and expects it refused by `rule`: FORBIDDEN naming the rule, one more audit entry for it, the catalog untouched. */
  const expectRefused = async (signed: string, rule: string) => {
    const [before, auditedBefore] = [await catalog(), await refusalsAudited(rule)];
    const result = await send(signed);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain(`(${rule})`);
    expect(await refusalsAudited(rule)).toBe(auditedBefore + 1);
    expect(await catalog()).toEqual(before);
  };

  beforeAll(async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `${url.pathname}_wire`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ worker: false, databaseUrl, serverName: TARGET });
    admin = await stack.signIn(ADMIN_ROLES);
    peer = await newPeer();
  });

  afterAll(async () => {
    await stack?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  it('takes a bundle signed by a registered peer without a user token, and refuses only the objects that do not fit here, with reasons', async () => {
    const good = task();
    const unknownProduct = task({ product: 'Not Checked In' });
    const badSettings = task({ settings: { paths: 'not a list' } });
    const result = await send(await bundle(peer.signer, [good, unknownProduct, badSettings]));
    expect(result.errors).toBeUndefined();
    expect(result.data.receiveShareBundle).toEqual({
      created: 1,
      updated: 0,
      withdrawn: 0,
      refused: [
        { originTaskId: unknownProduct.originTaskId, reason: expect.stringContaining('"Not Checked In"') },
        { originTaskId: badSettings.originTaskId, reason: expect.stringContaining('settings are invalid') },
      ],
    });
    expect(await receivedTask(peer, good.originTaskId)).toMatchObject({ name: good.name, settings: good.settings, enabled: true, shared: true, withdrawn: false, origin_revision: 1, owner_id: null });
    expect(await receivedTask(peer, badSettings.originTaskId)).toBeUndefined();

    // The target's log keeps what was refused, and from whom.
    const [audit] = await stack.orm.em.fork().getConnection().execute<any[]>(
      `select actor_name, outcome, details from audit_events where action = 'receiveShareBundle' and outcome = 'SUCCESS' order by created_at desc limit 1`,
    );
    expect(audit).toMatchObject({ actor_name: `server:${peer.name}`, details: { created: 1, refused: [{ originTaskId: unknownProduct.originTaskId }, { originTaskId: badSettings.originTaskId }] } });

    // Visible in the catalog as shared, with its origin.
    const listed = await ok(`query ($id: ID!) { clientTask(id: $id) { shared withdrawn originTaskId originRevision origin { name } owner { id } } }`, { id: (await receivedTask(peer, good.originTaskId)).id });
    expect(listed.clientTask).toEqual({ shared: true, withdrawn: false, originTaskId: good.originTaskId, originRevision: 1, origin: { name: peer.name }, owner: null });
  });

  it('updates to newer revisions only, and withdraws on a tombstone', async () => {
    const shared = task();
    await send(await bundle(peer.signer, [shared]));
    const renamed = { ...shared, originRevision: 3, name: uniqueName('Renamed'), settings: { paths: ['/srv'] } };
    expect((await send(await bundle(peer.signer, [renamed]))).data.receiveShareBundle).toMatchObject({ updated: 1 });
    // A late retry of an older revision does not go back.
    expect((await send(await bundle(peer.signer, [{ ...shared, originRevision: 2 }]))).data.receiveShareBundle).toMatchObject({ created: 0, updated: 0 });
    expect(await receivedTask(peer, shared.originTaskId)).toMatchObject({ name: renamed.name, settings: { paths: ['/srv'] }, origin_revision: 3 });

    const tombstone = await send(await bundle(peer.signer, [{ kind: 'TOMBSTONE', originTaskId: shared.originTaskId }]));
    expect(tombstone.data.receiveShareBundle).toMatchObject({ withdrawn: 1 });
    expect(await receivedTask(peer, shared.originTaskId)).toMatchObject({ withdrawn: true, enabled: false });
  });

  it('lets a peer write only tasks whose origin is itself: local tasks and other origins are out of its reach', async () => {
    const other = await newPeer();
    const othersTask = task();
    await send(await bundle(other.signer, [othersTask]));
    const types = await ok('{ products { name taskTypes { id name } } }');
    const statistics = types.products.find((product: any) => product.name === 'Agent').taskTypes.find((type: any) => type.name === 'Statistics');
    const local = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id name } } }', { input: { taskTypeId: statistics.id, name: uniqueName('Local'), settings: { paths: ['/home'] } } }))
      .createClientTask.clientTask;
    const before = await stack.orm.em.fork().getConnection().execute<any[]>('select id, name, settings, enabled, withdrawn, version from client_tasks where id in (?, ?) order by id', [local.id, (await receivedTask(other, othersTask.originTaskId)).id]);

    // The peer names the local task's ID and the other origin's ID: it gets tasks of its own under those IDs, nothing else moves.
    const aimed = await send(
      await bundle(peer.signer, [
        task({ originTaskId: local.id, name: local.name, settings: { paths: ['/stolen'] } }),
        task({ originTaskId: othersTask.originTaskId, originRevision: 9, settings: { paths: ['/stolen'] } }),
        { kind: 'TOMBSTONE', originTaskId: othersTask.originTaskId },
      ]),
    );
    expect(aimed.data.receiveShareBundle).toMatchObject({ created: 2, updated: 0, withdrawn: 1 });
    const after = await stack.orm.em.fork().getConnection().execute<any[]>('select id, name, settings, enabled, withdrawn, version from client_tasks where id in (?, ?) order by id', [local.id, (await receivedTask(other, othersTask.originTaskId)).id]);
    expect(after).toEqual(before);
    expect(await receivedTask(peer, local.id)).toMatchObject({ settings: { paths: ['/stolen'] }, withdrawn: false });
    expect(await receivedTask(peer, othersTask.originTaskId)).toMatchObject({ origin_revision: 9, withdrawn: true });
  });

  it('refuses a bundle from an unknown issuer', async () => {
    const { publicKey, privateKey } = keyPair();
    await expectRefused(await bundle(signerFor(uniqueName('stranger'), privateKey, publicKey), [task()]), 'UNKNOWN_ISSUER');
  });

  it('refuses a bundle from a disabled issuer, and takes it again once enabled', async () => {
    const disabled = await newPeer(false);
    await expectRefused(await bundle(disabled.signer, [task()]), 'DISABLED_ISSUER');
    await ok('mutation ($input: UpdateRegisteredServerInput!) { updateRegisteredServer(input: $input) { registeredServer { enabled } } }', { input: { id: disabled.id, version: disabled.version, enabled: true } });
    expect((await send(await bundle(disabled.signer, [task()]))).data.receiveShareBundle).toMatchObject({ created: 1 });
  });

  it('refuses a bundle signed with a key other than the registered one, and a tampered payload', async () => {
    const { publicKey, privateKey } = keyPair();
    await expectRefused(await bundle(signerFor(peer.name, privateKey, publicKey), [task()]), 'BAD_SIGNATURE');

    const jws = JSON.parse(await bundle(peer.signer, [task()]));
    const claims = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));
    claims.objects[0].settings = { paths: ['/tampered'] };
    jws.payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    await expectRefused(JSON.stringify(jws), 'BAD_SIGNATURE');
  });

  it('refuses a bundle addressed to another server', async () => {
    await expectRefused(await bundle(peer.signer, [task()], 'some-other-server'), 'WRONG_AUDIENCE');
  });

  it('refuses an expired bundle and one issued in the future', async () => {
    await expectRefused(await bundle(peer.signer, [task()], TARGET, new Date(Date.now() - 10 * MINUTE)), 'EXPIRED');
    await expectRefused(await bundle(peer.signer, [task()], TARGET, new Date(Date.now() + 10 * MINUTE)), 'NOT_YET_VALID');
  });

  it('refuses a bundle it has already taken', async () => {
    const signed = await bundle(peer.signer, [task()]);
    expect((await send(signed)).data.receiveShareBundle).toMatchObject({ created: 1 });
    await expectRefused(signed, 'REPLAYED');
  });

  it('refuses an oversized bundle before looking at it, and one that is not a JWS', async () => {
    const big = task({ settings: { paths: Array.from({ length: 4000 }, (_, index) => `/${'x'.repeat(120)}/${index}`) } });
    const signed = await bundle(peer.signer, [big]);
    expect(Buffer.byteLength(signed)).toBeGreaterThan(MAX_SHARE_BUNDLE_BYTES);
    await expectRefused(signed, 'OVERSIZED');
    await expectRefused('{"payload": 1}', 'MALFORMED');
  });

  it('signs exported documents and reports on import whether they are verified, unsigned or from an unknown signer; policy decides about the last two', async () => {
    const IMPORT = 'mutation ($input: ImportClientTasksInput!) { importClientTasks(input: $input) { signature { status signer } results { action } } }';
    const POLICY = 'mutation ($input: SetUnverifiedClientTaskDocumentsAcceptedInput!) { setUnverifiedClientTaskDocumentsAccepted(input: $input) { unverifiedClientTaskDocumentsAccepted } }';
    const types = await ok('{ products { name taskTypes { id name } } }');
    const statistics = types.products.find((product: any) => product.name === 'Agent').taskTypes.find((type: any) => type.name === 'Statistics');
    const local = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', { input: { taskTypeId: statistics.id, name: uniqueName('Exported'), settings: { paths: ['/home'] } } })).createClientTask.clientTask;
    const { document } = (await ok('mutation ($input: ExportClientTasksInput!) { exportClientTasks(input: $input) { document } }', { input: { clientTaskIds: [local.id] } })).exportClientTasks;
    expect(document).toMatchObject({ sourceServer: TARGET, signature: expect.any(String) });
    const unsigned = Object.fromEntries(Object.entries(document).filter(([key]) => key !== 'signature' && key !== 'sourceServer'));
    const tampered = { ...document, clientTasks: [{ ...document.clientTasks[0], settings: { paths: ['/tampered'] } }] };
    const importDryRun = (doc: unknown) => stack.graphql<any>(IMPORT, { input: { document: doc, conflictPolicy: 'RENAME', dryRun: true } }, admin);

    expect((await importDryRun(document)).data.importClientTasks.signature).toEqual({ status: 'UNKNOWN_SIGNER', signer: TARGET });
    expect((await importDryRun(unsigned)).data.importClientTasks.signature).toEqual({ status: 'UNSIGNED', signer: null });

    await ok(POLICY, { input: { accepted: false } });
    try {
      for (const doc of [document, unsigned]) {
        const refused = await importDryRun(doc);
        expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      const [audit] = await stack.orm.em.fork().getConnection().execute<any[]>(`select outcome, details from audit_events where action = 'importClientTasks' order by created_at desc limit 1`);
      expect(audit).toMatchObject({ outcome: 'FAILURE', details: { code: 'FORBIDDEN' } });

      // Once the signer is registered, its signature must hold: verified as exported, refused when altered.
      const self = await register(TARGET, (await ok('{ serverIdentity { publicKey } }')).serverIdentity.publicKey);
      expect((await importDryRun(document)).data.importClientTasks).toEqual({ signature: { status: 'VERIFIED', signer: TARGET }, results: [{ action: 'RENAMED' }] });
      const altered = await importDryRun(tampered);
      expect(altered.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(altered.errors?.[0]?.message).toContain('changed after');
      await ok('mutation ($input: RemoveRegisteredServerInput!) { removeRegisteredServer(input: $input) { id } }', { input: { id: self.id, version: self.version } });
    } finally {
      await ok(POLICY, { input: { accepted: true } });
    }
  });

  it('signs with both keys after a rotation until the previous one is retired', async () => {
    const services = () => createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey, undefined, { name: TARGET, url: stack.api.url }));
    const before = await services().serverIdentity.current();
    // The server itself registered as its own peer, under its old key: what a peer that has not been told of the rotation holds.
    const self = await register(TARGET, before.publicKey);
    const rotated = (await ok('mutation { rotateServerKey { serverIdentity { publicKey fingerprint previousPublicKey } } }')).rotateServerKey.serverIdentity;
    expect(rotated).toEqual({ publicKey: expect.not.stringMatching(before.publicKey), fingerprint: expect.stringMatching(/^SHA256:/), previousPublicKey: before.publicKey });

    const signer = await services().serverIdentity.signer();
    expect(signer.keys.map((key) => key.kid)).toEqual([rotated.fingerprint, before.fingerprint]);
    expect((await send(await bundle(signer, [task()]))).data.receiveShareBundle).toMatchObject({ created: 1 });

    await ok('mutation { retirePreviousServerKey { serverIdentity { previousPublicKey } } }');
    await expectRefused(await bundle(await services().serverIdentity.signer(), [task()]), 'BAD_SIGNATURE');
    await ok('mutation ($input: UpdateRegisteredServerInput!) { updateRegisteredServer(input: $input) { registeredServer { id } } }', { input: { id: self.id, version: self.version, publicKey: rotated.publicKey } });
    expect((await send(await bundle(await services().serverIdentity.signer(), [task()]))).data.receiveShareBundle).toMatchObject({ created: 1 });

    // Rotating twice without retiring: only the last two keys sign.
    await ok('mutation { rotateServerKey { serverIdentity { name } } }');
    const twice = (await ok('mutation { rotateServerKey { serverIdentity { fingerprint previousPublicKey } } }')).rotateServerKey.serverIdentity;
    expect(twice.previousPublicKey).not.toBe(rotated.publicKey);
    expect((await services().serverIdentity.signer()).keys.map((key) => key.kid)).toEqual([twice.fingerprint, fingerprintOf(twice.previousPublicKey)]);
  });

  it('lets only administrators manage registrations, and audits each change with the key fingerprint', async () => {
    const operator = await stack.signIn([]);
    const { publicKey } = keyPair();
    const refused = await stack.graphql<any>('mutation ($input: RegisterServerInput!) { registerServer(input: $input) { registeredServer { id } } }', { input: { name: uniqueName('x'), graphqlUrl: 'https://x.example.com/graphql', publicKey } }, operator);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const badKey = await stack.graphql<any>('mutation ($input: RegisterServerInput!) { registerServer(input: $input) { registeredServer { id } } }', { input: { name: uniqueName('x'), graphqlUrl: 'https://x.example.com/graphql', publicKey: 'short' } }, admin);
    expect(badKey.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const added = await newPeer();
    const [audit] = await stack.orm.em.fork().getConnection().execute<any[]>(`select details from audit_events where action = 'registerServer' and target_id = ?`, [added.id]);
    expect(audit.details).toMatchObject({ name: added.name, fingerprint: fingerprintOf((await ok('query ($id: ID!) { registeredServer(id: $id) { publicKey } }', { id: added.id })).registeredServer.publicKey) });
    // A peer whose tasks are here stays until they are gone; one without can be removed.
    expect((await stack.graphql<any>('mutation ($input: RemoveRegisteredServerInput!) { removeRegisteredServer(input: $input) { id } }', { input: { id: peer.id, version: peer.version } }, admin)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await ok('mutation ($input: RemoveRegisteredServerInput!) { removeRegisteredServer(input: $input) { id } }', { input: { id: added.id, version: added.version } })).removeRegisteredServer.id).toBe(added.id);
    const listed = await ok('{ registeredServers(first: 100) { totalCount edges { node { name } } } }');
    expect(listed.registeredServers.edges.map((edge: any) => edge.node.name)).not.toContain(added.name);
  });
});
