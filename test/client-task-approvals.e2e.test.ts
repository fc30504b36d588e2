import { catalogIds, expectOk, setApprovalRequired, signInWithGrants, type SignedInUser } from './harness/permission-sets';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';

const TASK_FIELDS = 'id name settings enabled version approvedRevision pendingChange { id state baseRevision name settings enabled }';
const WRITE_FIELDS = `applied clientTask { ${TASK_FIELDS} } pendingChange { id state baseRevision name settings enabled proposedBy { id } }`;
const CHANGE_FIELDS = 'id state baseRevision name settings enabled comment decidedAt proposedBy { id } decidedBy { id } clientTask { id approvedRevision } diff { key approved proposed same }';

describe('client task approvals', () => {
  let stack: StewardStack;
  let adminToken: string;
  let statisticsTypeId: string;
  /** Creates and edits Agent tasks; every edit waits for approval. */
  let operator: SignedInUser;
  /** Approves and rejects Agent changes, and may not edit. */
  let approver: SignedInUser;

  const gql = (query: string, variables: Record<string, unknown>, token: string) => stack.graphql<any>(query, variables, token);
  const create = async (token: string, settings: Record<string, unknown>, name = uniqueName('stats')) =>
    expectOk(await gql(`mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { ${WRITE_FIELDS} } }`, { input: { taskTypeId: statisticsTypeId, name, settings } }, token)).createClientTask;
  const update = (token: string, input: Record<string, unknown>) => gql(`mutation ($input: UpdateClientTaskInput!) { updateClientTask(input: $input) { ${WRITE_FIELDS} } }`, { input }, token);
  const setEnabled = (token: string, clientTaskId: string, enabled: boolean) =>
    gql(`mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { ${WRITE_FIELDS} } }`, { input: { clientTaskId, enabled } }, token);
  const decide = (mutation: 'approveClientTaskChange' | 'rejectClientTaskChange', token: string, changeId: string, comment?: string) =>
    gql(`mutation ($input: DecideClientTaskChangeInput!) { ${mutation}(input: $input) { change { ${CHANGE_FIELDS} } clientTask { ${TASK_FIELDS} } } }`, { input: { changeId, comment } }, token);
  const task = async (id: string) => expectOk(await gql(`query ($id: ID!) { clientTask(id: $id) { ${TASK_FIELDS} } }`, { id }, adminToken)).clientTask;
  const change = async (id: string, token = approver.token) => expectOk(await gql(`query ($id: ID!) { clientTaskChange(id: $id) { ${CHANGE_FIELDS} } }`, { id }, token)).clientTaskChange;
  const auditTrail = async (targetId: string) =>
    stack.orm.em
      .fork()
      .getConnection()
      .execute<{ action: string; outcome: string; actor_id: string; details: Record<string, unknown> | null }[]>(
        'select action, outcome, actor_id, details from audit_events where target_id = ? order by created_at, id',
        [targetId],
      );

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    const { products, taskTypes } = await catalogIds(stack, adminToken);
    statisticsTypeId = taskTypes.get('Agent/Statistics')!;
    const agent = products.get('Agent')!;
    operator = await signInWithGrants(stack, adminToken, [{ productId: agent, capabilities: ['EDIT'], editRequiresApproval: true }]);
    approver = await signInWithGrants(stack, adminToken, [{ productId: agent, capabilities: ['APPROVE'] }]);
  });

  afterEach(() => setApprovalRequired(stack, adminToken, false));
  afterAll(() => stack?.stop());

  it('takes a creation and an edit through approval: pending, diffed, refused to its author, then applied by another approver', async () => {
    const startedAt = new Date();
    const fallbackVersion = async () => expectOk(await gql('{ fallbackSettings { version } }', {}, adminToken)).fallbackSettings.version;
    const fallbackBefore = await fallbackVersion();
    const toggled = expectOk(await gql('mutation { setClientTaskApprovalRequired(input: { required: true }) { clientTaskApprovalRequired } }', {}, adminToken));
    expect(toggled.setClientTaskApprovalRequired.clientTaskApprovalRequired).toBe(true);
    expect(expectOk(await gql('{ clientTaskApprovalRequired }', {}, operator.token)).clientTaskApprovalRequired).toBe(true);
    // The flag shares the settings row, not the fallback settings' optimistic-lock version.
    expect(await fallbackVersion()).toBe(fallbackBefore);

    // The creation waits: the task exists at revision 0, disabled, and runs nowhere.
    const created = await create(operator.token, { paths: ['/var'] });
    expect(created.applied).toBe(false);
    expect(created.clientTask).toMatchObject({ approvedRevision: 0, enabled: false, settings: { paths: ['/var'] } });
    expect(created.pendingChange).toMatchObject({ state: 'PENDING', baseRevision: 0, settings: { paths: ['/var'] }, enabled: false, proposedBy: { id: operator.userId } });
    const taskId: string = created.clientTask.id;
    const creationId: string = created.pendingChange.id;
    const rootId = expectOk(await gql('{ systemTree { id } }', {}, adminToken)).systemTree[0].id;
    const group = expectOk(await gql('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName('approvals'), parentId: rootId } }, adminToken));
    const assigned = expectOk(
      await gql('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { runnable } } }', { input: { clientTaskId: taskId, groupId: group.createGroup.group.id, schedule: { kind: 'IMMEDIATELY' } } }, operator.token),
    );
    expect(assigned.assignClientTask.assignment.runnable).toBe(false);

    // The approver finds it in the queue and reads the diff: nothing was approved before.
    const queue = expectOk(await gql('{ pendingClientTaskChanges(filter: { product: "Agent" }, first: 100) { edges { node { id clientTask { id } } } } }', {}, approver.token));
    expect(queue.pendingClientTaskChanges.edges.map((edge: any) => edge.node)).toContainEqual({ id: creationId, clientTask: { id: taskId } });
    expect((await change(creationId)).diff).toEqual([{ key: 'paths', approved: null, proposed: ['/var'], same: false }]);

    // Its author cannot approve it, and nothing changes.
    const ownApproval = await decide('approveClientTaskChange', operator.token, creationId);
    expect(ownApproval.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await task(taskId)).toMatchObject({ approvedRevision: 0, version: created.clientTask.version, pendingChange: { id: creationId, state: 'PENDING' } });

    const approved = expectOk(await decide('approveClientTaskChange', approver.token, creationId, 'looks right'));
    expect(approved.approveClientTaskChange.change).toMatchObject({ state: 'APPROVED', comment: 'looks right', decidedBy: { id: approver.userId }, clientTask: { id: taskId, approvedRevision: 1 } });
    expect(approved.approveClientTaskChange.change.decidedAt).toBeTruthy();
    expect(approved.approveClientTaskChange.clientTask).toMatchObject({ approvedRevision: 1, settings: { paths: ['/var'] }, pendingChange: null });
    const again = await decide('approveClientTaskChange', approver.token, creationId);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // An edit waits too, and the approved settings stay in place until it is approved.
    const approvedTask = await task(taskId);
    const edit = await update(operator.token, { clientTaskId: taskId, version: approvedTask.version, settings: { paths: ['/var', '/home'] } });
    expect(edit.errors).toBeUndefined();
    expect(edit.data.updateClientTask).toMatchObject({ applied: false, clientTask: { settings: { paths: ['/var'] }, approvedRevision: 1, version: approvedTask.version } });
    const editId: string = edit.data.updateClientTask.pendingChange.id;
    expect(await task(taskId)).toMatchObject({ settings: { paths: ['/var'] }, approvedRevision: 1, pendingChange: { id: editId, baseRevision: 1, settings: { paths: ['/var', '/home'] } } });
    expect((await change(editId)).diff).toEqual([{ key: 'paths', approved: ['/var'], proposed: ['/var', '/home'], same: false }]);
    const second = await update(operator.token, { clientTaskId: taskId, version: approvedTask.version, settings: { paths: ['/tmp'] } });
    expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const applied = expectOk(await decide('approveClientTaskChange', approver.token, editId));
    expect(applied.approveClientTaskChange.clientTask).toMatchObject({ settings: { paths: ['/var', '/home'] }, approvedRevision: 2, version: approvedTask.version + 1, pendingChange: null });

    const trail = await auditTrail(taskId);
    expect(trail.map((entry) => [entry.action, entry.outcome, entry.actor_id])).toEqual([
      ['createClientTask', 'SUCCESS', operator.userId],
      ['approveClientTaskChange', 'FAILURE', operator.userId],
      ['approveClientTaskChange', 'SUCCESS', approver.userId],
      ['updateClientTask', 'SUCCESS', operator.userId],
      ['approveClientTaskChange', 'SUCCESS', approver.userId],
    ]);
    expect(trail[0]!.details).toMatchObject({ awaitingApproval: true, changeId: creationId });
    expect(trail[1]!.details).toMatchObject({ changeId: creationId, code: 'FORBIDDEN' });
    expect(trail[2]!.details).toMatchObject({ changeId: creationId, revision: 1, comment: 'looks right' });
    expect(trail[3]!.details).toMatchObject({ awaitingApproval: true, changeId: editId });
    expect(trail[4]!.details).toMatchObject({ changeId: editId, revision: 2 });
    const settingChanges = await stack.orm.em
      .fork()
      .getConnection()
      .execute<{ details: Record<string, unknown> }[]>(`select details from audit_events where action = 'setClientTaskApprovalRequired' and outcome = 'SUCCESS' and created_at >= ?`, [startedAt]);
    expect(settingChanges.map((entry) => entry.details)).toContainEqual({ required: true });
  });

  it('keeps the approved version on a rejection, with the comment, and lets the author withdraw their own change', async () => {
    await setApprovalRequired(stack, adminToken, true);
    const created = await create(adminToken, { paths: ['/srv'] });
    const creation = expectOk(await decide('approveClientTaskChange', approver.token, created.pendingChange.id)).approveClientTaskChange.clientTask;

    const proposal = expectOk(await update(operator.token, { clientTaskId: creation.id, version: creation.version, settings: { paths: ['/'] } })).updateClientTask;
    const rejected = expectOk(await decide('rejectClientTaskChange', approver.token, proposal.pendingChange.id, 'scanning / takes hours'));
    expect(rejected.rejectClientTaskChange.change).toMatchObject({ state: 'REJECTED', comment: 'scanning / takes hours', decidedBy: { id: approver.userId } });
    expect(rejected.rejectClientTaskChange.clientTask).toMatchObject({ settings: { paths: ['/srv'] }, approvedRevision: 1, version: creation.version, pendingChange: null });
    expect((await decide('approveClientTaskChange', approver.token, proposal.pendingChange.id)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const rejectedList = expectOk(await gql('{ pendingClientTaskChanges(filter: { state: REJECTED }, first: 100) { edges { node { id comment } } } }', {}, approver.token));
    expect(rejectedList.pendingClientTaskChanges.edges.map((edge: any) => edge.node)).toContainEqual({ id: proposal.pendingChange.id, comment: 'scanning / takes hours' });

    const another = expectOk(await update(operator.token, { clientTaskId: creation.id, version: creation.version, name: uniqueName('renamed') })).updateClientTask;
    const withdrawn = expectOk(await decide('rejectClientTaskChange', operator.token, another.pendingChange.id, 'wrong name'));
    expect(withdrawn.rejectClientTaskChange.change).toMatchObject({ state: 'REJECTED', decidedBy: { id: operator.userId } });
    expect(withdrawn.rejectClientTaskChange.clientTask).toMatchObject({ name: creation.name, approvedRevision: 1 });

    const trail = await auditTrail(creation.id);
    const rejections = trail.filter((entry) => entry.action === 'rejectClientTaskChange');
    expect(rejections.map((entry) => [entry.outcome, entry.actor_id, entry.details])).toEqual([
      ['SUCCESS', approver.userId, { changeId: proposal.pendingChange.id, comment: 'scanning / takes hours', withdrawn: false }],
      ['SUCCESS', operator.userId, { changeId: another.pendingChange.id, comment: 'wrong name', withdrawn: true }],
    ]);
  });

  it('applies administrators’ edits at once unless the server requires approval, and never lets them approve their own', async () => {
    const direct = await create(adminToken, { paths: ['/opt'] });
    expect(direct).toMatchObject({ applied: true, pendingChange: null, clientTask: { approvedRevision: 1 } });

    await setApprovalRequired(stack, adminToken, true);
    const edit = expectOk(await update(adminToken, { clientTaskId: direct.clientTask.id, version: direct.clientTask.version, settings: { paths: ['/opt', '/etc'] } })).updateClientTask;
    expect(edit).toMatchObject({ applied: false, clientTask: { settings: { paths: ['/opt'] } } });
    expect((await decide('approveClientTaskChange', adminToken, edit.pendingChange.id)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherAdmin = await stack.signIn(ADMIN_ROLES);
    const approved = expectOk(await decide('approveClientTaskChange', otherAdmin, edit.pendingChange.id));
    expect(approved.approveClientTaskChange.clientTask).toMatchObject({ settings: { paths: ['/opt', '/etc'] }, approvedRevision: 2 });
  });

  it('puts enabling through approval, disables at once, and refuses a change whose task moved on since it was proposed', async () => {
    const created = await create(adminToken, { paths: ['/data'] });
    await setApprovalRequired(stack, adminToken, true);

    const enabling = expectOk(await setEnabled(operator.token, created.clientTask.id, true)).setClientTaskEnabled;
    expect(enabling).toMatchObject({ applied: false, clientTask: { enabled: false }, pendingChange: { enabled: true, baseRevision: 1 } });
    const enabled = expectOk(await decide('approveClientTaskChange', approver.token, enabling.pendingChange.id)).approveClientTaskChange.clientTask;
    expect(enabled).toMatchObject({ enabled: true, approvedRevision: 2 });

    const proposal = expectOk(await update(operator.token, { clientTaskId: created.clientTask.id, version: enabled.version, settings: { paths: ['/data', '/logs'] } })).updateClientTask;
    const disabled = expectOk(await setEnabled(operator.token, created.clientTask.id, false)).setClientTaskEnabled;
    expect(disabled).toMatchObject({ applied: true, pendingChange: null, clientTask: { enabled: false, approvedRevision: 3 } });

    // The proposal was made against revision 2 and would silently re-enable the task: refused.
    const stale = await decide('approveClientTaskChange', approver.token, proposal.pendingChange.id);
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(stale.errors?.[0]?.message).toContain('revision 3');
    expect(await task(created.clientTask.id)).toMatchObject({ enabled: false, approvedRevision: 3, settings: { paths: ['/data'] }, pendingChange: { id: proposal.pendingChange.id } });
    expect(expectOk(await decide('rejectClientTaskChange', approver.token, proposal.pendingChange.id)).rejectClientTaskChange.change.state).toBe('REJECTED');
  });

  it('checks decisions: unknown changes, long comments, and approvers without the product', async () => {
    await setApprovalRequired(stack, adminToken, true);
    const created = await create(adminToken, { paths: ['/x'] });
    const unknown = await decide('approveClientTaskChange', approver.token, '00000000-0000-4000-8000-000000000000');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const long = await decide('rejectClientTaskChange', approver.token, created.pendingChange.id, 'x'.repeat(1001));
    expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const { products } = await catalogIds(stack, adminToken);
    const elsewhere = await signInWithGrants(stack, adminToken, [{ productId: products.get('Threat Prevention')!, capabilities: ['APPROVE'] }]);
    expect((await decide('approveClientTaskChange', elsewhere.token, created.pendingChange.id)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql('query ($id: ID!) { clientTaskChange(id: $id) { id } }', { id: created.pendingChange.id }, elsewhere.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await change(created.pendingChange.id)).toMatchObject({ state: 'PENDING' });
  });
});
