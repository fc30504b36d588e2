import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { encodePublicKey, fingerprintOf } from '../services/federation/ed25519-keys';
import type { ShareSigner } from '../services/federation/server-identity';
import { type ShareObject, type SharedTaskObject, signShareBundle } from '../services/federation/share-bundle';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { expectOk, setApprovalRequired, type SignedInUser, signInWithGrants } from './harness/permission-sets';
import { ADMIN_ROLES, type GraphqlResult, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const SERVER = 'ownership-server';
const TASK_FIELDS = 'id name settings enabled version approvedRevision shared withdrawn owner { id } origin { name }';
const UPDATE = `mutation ($input: UpdateClientTaskInput!) { updateClientTask(input: $input) { applied clientTask { ${TASK_FIELDS} } pendingChange { id } } }`;
const SET_ENABLED = 'mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }';
const DELETE = 'mutation ($input: DeleteClientTaskInput!) { deleteClientTask(input: $input) { deletedClientTaskId impact { assignments groups { id } } } }';
const SET_SHARED = `mutation ($input: SetClientTaskSharedInput!) { setClientTaskShared(input: $input) { clientTask { ${TASK_FIELDS} } } }`;
const TRANSFER = `mutation ($input: TransferClientTaskOwnershipInput!) { transferClientTaskOwnership(input: $input) { clientTask { ${TASK_FIELDS} } } }`;
const DUPLICATE = `mutation ($input: DuplicateClientTaskInput!) { duplicateClientTask(input: $input) { clientTask { ${TASK_FIELDS} } } }`;

const codeOf = (result: GraphqlResult) => result.errors?.[0]?.extensions?.code;

describe('client task ownership: owner-only changes of shared tasks, and read-only received tasks', () => {
  let stack: StewardStack;
  let databaseUrl: string | undefined;
  let admin: string;
  let adminId: string;
  let owner: SignedInUser;
  let editor: SignedInUser;
  let viewer: SignedInUser;
  let statisticsTypeId: string;
  let rootGroupId: string;
  let peer: { id: string; signer: ShareSigner };

  const call = (query: string, variables: Record<string, unknown>, token: string) => stack.graphql<any>(query, variables, token);
  const task = async (id: string) => expectOk(await call(`query ($id: ID!) { clientTask(id: $id) { ${TASK_FIELDS} } }`, { id }, admin)).clientTask;
  const createTask = async (token: string) =>
    expectOk(await call(`mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { ${TASK_FIELDS} } } }`, { input: { taskTypeId: statisticsTypeId, name: uniqueName('Statistics'), settings: { paths: ['/var'] } } }, token))
      .createClientTask.clientTask;
  const refusedChanges = async (taskId: string) => {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>(`select count(*) from audit_events where action = 'clientTaskChangeRefused' and outcome = 'FAILURE' and target_id = ?`, [taskId]);
    return Number(row!.count);
  };
  /** Every way of changing a task, tried by `token`; each must be FORBIDDEN, audited, and leave the task as it was. */
  const expectEveryChangeRefused = async (taskId: string, token: string) => {
    const before = await task(taskId);
    const audited = await refusedChanges(taskId);
    const attempts = [
      await call(UPDATE, { input: { clientTaskId: taskId, version: before.version, settings: { paths: ['/changed'] } } }, token),
      await call(UPDATE, { input: { clientTaskId: taskId, version: before.version, name: uniqueName('renamed') } }, token),
      await call(SET_ENABLED, { input: { clientTaskId: taskId, enabled: !before.enabled } }, token),
      await call(DELETE, { input: { clientTaskId: taskId, version: before.version } }, token),
    ];
    expect(attempts.map(codeOf)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    expect(await refusedChanges(taskId)).toBe(audited + attempts.length);
    expect(await task(taskId)).toEqual(before);
  };
  const receive = async (objects: ShareObject[]) => {
    const result = await stack.graphql<any>('mutation ($input: ReceiveShareBundleInput!) { receiveShareBundle(input: $input) { created updated withdrawn refused { reason } } }', {
      input: { bundle: await signShareBundle(peer.signer, { audience: SERVER, objects }) },
    });
    return expectOk(result).receiveShareBundle;
  };
  const receivedTaskId = async (originTaskId: string) => {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ id: string }[]>('select id from client_tasks where origin_id = ? and origin_task_id = ?', [peer.id, originTaskId]);
    return row!.id;
  };
  const sharedObject = (originTaskId: string, originRevision = 1): SharedTaskObject => ({
    kind: 'TASK',
    originTaskId,
    originRevision,
    name: 'Received statistics',
    product: 'Agent',
    taskType: 'Statistics',
    settings: { paths: [`/revision-${originRevision}`] },
    enabled: true,
  });

  beforeAll(async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `${url.pathname}_ownership`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ worker: false, databaseUrl, serverName: SERVER });
    admin = await stack.signIn(ADMIN_ROLES);
    adminId = expectOk(await call('{ me { id } }', {}, admin)).me.id;
    const { products } = expectOk(await call('{ products { id name taskTypes { id name } } }', {}, admin));
    const agent = products.find((product: any) => product.name === 'Agent');
    statisticsTypeId = agent.taskTypes.find((type: any) => type.name === 'Statistics').id;
    [owner, editor, viewer] = [
      await signInWithGrants(stack, admin, [{ productId: agent.id, capabilities: ['VIEW', 'EDIT'] }]),
      await signInWithGrants(stack, admin, [{ productId: agent.id, capabilities: ['VIEW', 'EDIT'] }]),
      await signInWithGrants(stack, admin, [{ productId: agent.id, capabilities: ['VIEW'] }]),
    ];
    rootGroupId = expectOk(await call('{ systemTree { id } }', {}, admin)).systemTree[0].id;

    const pair = generateKeyPairSync('ed25519');
    const publicKey = encodePublicKey(pair.publicKey);
    const peerName = uniqueName('origin');
    const registered = expectOk(
      await call('mutation ($input: RegisterServerInput!) { registerServer(input: $input) { registeredServer { id } } }', { input: { name: peerName, graphqlUrl: 'https://origin.example.com/graphql', publicKey } }, admin),
    ).registerServer.registeredServer;
    peer = { id: registered.id, signer: { issuer: peerName, keys: [{ kid: fingerprintOf(publicKey), privateKey: pair.privateKey }] } };
  });

  afterAll(async () => {
    await stack?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  it('makes the creator the owner; marking shared needs EDIT on the product', async () => {
    const created = await createTask(owner.token);
    expect(created).toMatchObject({ owner: { id: owner.userId }, shared: false, origin: null });
    expect(codeOf(await call(SET_SHARED, { input: { clientTaskId: created.id, version: created.version, shared: true } }, viewer.token))).toBe('FORBIDDEN');
    const shared = expectOk(await call(SET_SHARED, { input: { clientTaskId: created.id, version: created.version, shared: true } }, editor.token)).setClientTaskShared.clientTask;
    // Marked by someone else, it stays its creator's.
    expect(shared).toMatchObject({ shared: true, owner: { id: owner.userId } });
  });

  it('on the origin, lets only the owner change a shared task: a non-owner administrator is refused and audited; approvals still apply to the owner', async () => {
    const created = await createTask(owner.token);
    const shared = expectOk(await call(SET_SHARED, { input: { clientTaskId: created.id, version: created.version, shared: true } }, owner.token)).setClientTaskShared.clientTask;
    await expectEveryChangeRefused(shared.id, admin);
    await expectEveryChangeRefused(shared.id, editor.token);
    expect(codeOf(await call(SET_SHARED, { input: { clientTaskId: shared.id, version: shared.version, shared: false } }, admin))).toBe('FORBIDDEN');

    await setApprovalRequired(stack, admin, true);
    try {
      const proposed = expectOk(await call(UPDATE, { input: { clientTaskId: shared.id, version: shared.version, settings: { paths: ['/owner'] } } }, owner.token)).updateClientTask;
      expect(proposed).toMatchObject({ applied: false, clientTask: { settings: { paths: ['/var'] } } });
      const approved = expectOk(await call('mutation ($input: DecideClientTaskChangeInput!) { approveClientTaskChange(input: $input) { clientTask { settings approvedRevision } } }', { input: { changeId: proposed.pendingChange.id } }, admin));
      expect(approved.approveClientTaskChange.clientTask).toEqual({ settings: { paths: ['/owner'] }, approvedRevision: 2 });
    } finally {
      await setApprovalRequired(stack, admin, false);
    }
  });

  it('lets administrators transfer ownership, after which only the new owner may change the task', async () => {
    const created = await createTask(owner.token);
    const shared = expectOk(await call(SET_SHARED, { input: { clientTaskId: created.id, version: created.version, shared: true } }, owner.token)).setClientTaskShared.clientTask;
    expect(codeOf(await call(TRANSFER, { input: { clientTaskId: shared.id, version: shared.version, ownerId: editor.userId } }, owner.token))).toBe('FORBIDDEN');
    const transferred = expectOk(await call(TRANSFER, { input: { clientTaskId: shared.id, version: shared.version, ownerId: editor.userId } }, admin)).transferClientTaskOwnership.clientTask;
    expect(transferred.owner).toEqual({ id: editor.userId });
    await expectEveryChangeRefused(shared.id, owner.token);
    const changed = expectOk(await call(UPDATE, { input: { clientTaskId: shared.id, version: transferred.version, settings: { paths: ['/editor'] } } }, editor.token)).updateClientTask;
    expect(changed).toMatchObject({ applied: true, clientTask: { settings: { paths: ['/editor'] } } });
    // Unsharing is a change too: the new owner's to make.
    const unshared = expectOk(await call(SET_SHARED, { input: { clientTaskId: shared.id, version: changed.clientTask.version, shared: false } }, editor.token)).setClientTaskShared.clientTask;
    expect(unshared.shared).toBe(false);
    // Unshared, the product grants alone decide again.
    expect(expectOk(await call(UPDATE, { input: { clientTaskId: shared.id, version: unshared.version, settings: { paths: ['/admin'] } } }, admin)).updateClientTask.applied).toBe(true);
  });

  it('on a target, refuses every change of a received task to every user, administrators included, and lets them duplicate it', async () => {
    const originTaskId = randomUUID();
    await receive([sharedObject(originTaskId)]);
    const receivedId = await receivedTaskId(originTaskId);
    expect(await task(receivedId)).toMatchObject({ shared: true, owner: null, origin: { name: peer.signer.issuer } });
    for (const token of [admin, owner.token, editor.token]) await expectEveryChangeRefused(receivedId, token);
    expect(codeOf(await call(SET_SHARED, { input: { clientTaskId: receivedId, version: 1, shared: false } }, admin))).toBe('FORBIDDEN');
    expect(codeOf(await call(TRANSFER, { input: { clientTaskId: receivedId, version: 1, ownerId: adminId } }, admin))).toBe('FORBIDDEN');

    const copy = expectOk(await call(DUPLICATE, { input: { clientTaskId: receivedId, name: 'Received statistics' } }, editor.token)).duplicateClientTask.clientTask;
    expect(copy).toMatchObject({ name: 'Received statistics', settings: { paths: ['/revision-1'] }, shared: false, origin: null, owner: { id: editor.userId } });
    // The copy is the duplicator's own: editable, and later syncs leave it alone.
    const edited = expectOk(await call(UPDATE, { input: { clientTaskId: copy.id, version: copy.version, settings: { paths: ['/mine'] } } }, editor.token)).updateClientTask.clientTask;
    expect(await receive([sharedObject(originTaskId, 2)])).toMatchObject({ updated: 1 });
    expect(await task(receivedId)).toMatchObject({ settings: { paths: ['/revision-2'] } });
    expect(await task(copy.id)).toEqual(edited);
  });

  it('withdraws a received task on a tombstone: disabled, read-only, assignments kept, runs nowhere; an administrator may then delete it with the impact report', async () => {
    const originTaskId = randomUUID();
    await receive([sharedObject(originTaskId)]);
    const receivedId = await receivedTaskId(originTaskId);
    // Users with the product's permissions may assign it.
    const assignment = expectOk(
      await call('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', { input: { clientTaskId: receivedId, groupId: rootGroupId, schedule: { kind: 'DAILY', startAt: '2030-01-01T09:00' } } }, editor.token),
    ).assignClientTask.assignment;

    expect(await receive([{ kind: 'TOMBSTONE', originTaskId }])).toMatchObject({ withdrawn: 1 });
    const withdrawn = await task(receivedId);
    expect(withdrawn).toMatchObject({ withdrawn: true, enabled: false });
    const assignments = expectOk(await call('query ($id: ID!) { assignment(id: $id) { id } }', { id: assignment.id }, admin));
    expect(assignments.assignment).toEqual({ id: assignment.id });
    expect(codeOf(await call('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id } } }', { input: { clientTaskId: receivedId, systemIds: [randomUUID()] } }, admin))).toBe('CONFLICT');
    await expectEveryChangeRefused(receivedId, editor.token);
    expect(codeOf(await call(SET_ENABLED, { input: { clientTaskId: receivedId, enabled: true } }, admin))).toBe('FORBIDDEN');

    const deleted = expectOk(await call(DELETE, { input: { clientTaskId: receivedId, version: withdrawn.version } }, admin)).deleteClientTask;
    expect(deleted).toEqual({ deletedClientTaskId: receivedId, impact: { assignments: 1, groups: [{ id: rootGroupId }] } });
  });
});
