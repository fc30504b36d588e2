import { signInWithGrants } from './harness/permission-sets';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const ASSIGNMENT_FIELDS = `id version runnable clientTask { id name } node { kind id name path }
  schedule { kind startAt everyNDays weekdays dayOfMonth nthWeekday { occurrence weekday } endDate randomizationMinutes timeBasis runMissed runMissedDelayMinutes stopAfterMinutes }`;
const EFFECTIVE = `query ($systemId: ID!) { effectiveClientTasks(systemId: $systemId) {
  assignment { id } clientTask { id name } fromNode { kind id name path } inheritanceBrokenAt { id name } } }`;
const DAILY = { kind: 'DAILY', startAt: '2026-12-01T09:30' };
const errorField = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.field;

describe('client task assignments and inheritance', () => {
  let stack: StewardStack;
  let adminToken: string;
  let plainUserToken: string;
  let rootId: string;
  let wakeupTypeId: string;
  let agentProductId: string;
  const fingerprint = testEnvironment().sshdFingerprint;
  const createdTaskIds: string[] = [];

  const gql = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => stack.graphql<any>(query, variables, token);
  const ok = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => {
    const result = await gql(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const createGroup = async (name: string, parentId: string) =>
    (await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id name version } } }', { input: { name, parentId } })).createGroup.group;
  const createSystem = async (name: string, groupId: string) =>
    (await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id name version } } }', { input: { name, groupId, host: '10.0.0.5', hostKeyFingerprint: fingerprint } })).createSystem
      .system;
  const createTask = async (name: string, enabled = true) => {
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id name } } }', { input: { taskTypeId: wakeupTypeId, name: uniqueName(name), settings: {} } }))
      .createClientTask.clientTask;
    if (enabled) await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.id, enabled: true } });
    createdTaskIds.push(task.id);
    return task;
  };
  const assign = (input: Record<string, unknown>, token = adminToken) =>
    gql(`mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { ${ASSIGNMENT_FIELDS} } } }`, { input }, token);
  const assignOk = async (input: Record<string, unknown>) => {
    const result = await assign(input);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.assignClientTask.assignment;
  };
  const effective = async (systemId: string) => (await ok(EFFECTIVE, { systemId })).effectiveClientTasks;
  /** [task name, from node name, broken-at name] per effective task. */
  const effectiveSummary = async (systemId: string) =>
    (await effective(systemId)).map((entry: any) => [entry.clientTask.name, entry.fromNode.name, entry.inheritanceBrokenAt?.name ?? null]);
  const breakAt = (node: Record<string, string>, token = adminToken) =>
    gql('mutation ($input: TreeNodeInput!) { breakInheritance(input: $input) { node { kind id name path } inheritanceBroken } }', { input: node }, token);
  const resetAt = (node: Record<string, string>, token = adminToken) =>
    gql('mutation ($input: TreeNodeInput!) { resetInheritance(input: $input) { node { kind id name path } inheritanceBroken } }', { input: node }, token);
  const brokenIds = async () => (await ok('{ brokenInheritance { id } }')).brokenInheritance.map((node: { id: string }) => node.id);
  const counts = async () => {
    const connection = stack.orm.em.fork().getConnection();
    const [row] = await connection.execute<Record<string, string>[]>(
      `select (select count(*) from client_task_assignments) as assignments, (select count(*) from inheritance_breaks) as breaks,
              (select md5(coalesce(string_agg(schedule::text || version, ',' order by id), '')) from client_task_assignments) as schedules,
              (select count(*) from audit_events where action in ('assignClientTask', 'updateAssignment', 'removeAssignment', 'breakInheritance', 'resetInheritance') and outcome = 'SUCCESS') as audits`,
    );
    return row;
  };

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    plainUserToken = await stack.signIn([]);
    rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    const { products } = await ok('{ products { id name taskTypes { id name } } }');
    const agent = products.find((p: any) => p.name === 'Agent');
    agentProductId = agent.id;
    wakeupTypeId = agent.taskTypes.find((t: any) => t.name === 'Wakeup').id;
  });

  afterAll(async () => {
    // These systems do not exist: disable the tasks so that no later worker fires their assignments at them.
    for (const clientTaskId of createdTaskIds) {
      await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId, enabled: false } });
    }
    await stack?.stop();
  });

  it('inherits assignments down a four-level tree, honours a break and its reset, and follows a moved system', async () => {
    const europe = await createGroup(uniqueName('Europe'), rootId);
    const germany = await createGroup('Germany', europe.id);
    const berlin = await createGroup('Berlin', germany.id);
    const asia = await createGroup(uniqueName('Asia'), rootId);
    const tokyo = await createGroup('Tokyo', asia.id);
    const web = await createSystem('web-01', berlin.id);
    const sibling = await createSystem('web-02', berlin.id);

    const [tEurope, tGermany, tBerlin, tWeb, tAsia] = [await createTask('europe'), await createTask('germany', false), await createTask('berlin'), await createTask('web'), await createTask('asia')];
    const aEurope = await assignOk({ clientTaskId: tEurope.id, groupId: europe.id, schedule: { ...DAILY, everyNDays: 2, randomizationMinutes: 30 } });
    const aGermany = await assignOk({ clientTaskId: tGermany.id, groupId: germany.id, schedule: { kind: 'WEEKLY', startAt: '2026-12-01T09:30', weekdays: ['FRIDAY', 'MONDAY'], endDate: '2027-06-30' } });
    const aBerlin = await assignOk({ clientTaskId: tBerlin.id, groupId: berlin.id, schedule: { kind: 'MONTHLY', startAt: '2026-12-01T22:00', nthWeekday: { occurrence: -1, weekday: 'SUNDAY' } } });
    const aWeb = await assignOk({ clientTaskId: tWeb.id, systemId: web.id, schedule: { kind: 'ONCE', startAt: '2026-12-24T18:00:00Z', timeBasis: 'UTC', runMissed: true, runMissedDelayMinutes: 10, stopAfterMinutes: 45 } });
    await assignOk({ clientTaskId: tAsia.id, groupId: asia.id, schedule: { kind: 'IMMEDIATELY' } });

    expect(aGermany).toMatchObject({ runnable: false, version: 1, node: { kind: 'GROUP', id: germany.id, name: 'Germany', path: ['My Organization', europe.name, 'Germany'] } });
    expect(aGermany.schedule).toEqual({
      kind: 'WEEKLY', startAt: '2026-12-01T09:30', everyNDays: null, weekdays: ['MONDAY', 'FRIDAY'], dayOfMonth: null, nthWeekday: null, endDate: '2027-06-30',
      randomizationMinutes: null, timeBasis: 'LOCAL', runMissed: null, runMissedDelayMinutes: null, stopAfterMinutes: null,
    });
    expect(aWeb).toMatchObject({ runnable: true, node: { kind: 'SYSTEM', id: web.id, path: ['My Organization', europe.name, 'Germany', 'Berlin', 'web-01'] } });
    expect(aWeb.schedule).toMatchObject({ kind: 'ONCE', timeBasis: 'UTC', runMissed: true, runMissedDelayMinutes: 10, stopAfterMinutes: 45 });
    expect(aEurope.schedule).toMatchObject({ everyNDays: 2, randomizationMinutes: 30 });

    const full = await effective(web.id);
    expect(full.map((entry: any) => entry.assignment.id)).toEqual([aEurope.id, aGermany.id, aBerlin.id, aWeb.id]);
    expect(full[0]).toEqual({ assignment: { id: aEurope.id }, clientTask: { id: tEurope.id, name: tEurope.name }, fromNode: { kind: 'GROUP', id: europe.id, name: europe.name, path: ['My Organization', europe.name] }, inheritanceBrokenAt: null });
    expect(full[3].fromNode).toEqual({ kind: 'SYSTEM', id: web.id, name: 'web-01', path: ['My Organization', europe.name, 'Germany', 'Berlin', 'web-01'] });
    expect(await effectiveSummary(sibling.id)).toEqual([[tEurope.name, europe.name, null], [tGermany.name, 'Germany', null], [tBerlin.name, 'Berlin', null]]);

    const broken = await breakAt({ groupId: germany.id });
    expect(broken.errors).toBeUndefined();
    expect(broken.data.breakInheritance).toEqual({ node: { kind: 'GROUP', id: germany.id, name: 'Germany', path: ['My Organization', europe.name, 'Germany'] }, inheritanceBroken: true });
    expect((await breakAt({ groupId: germany.id })).errors).toBeUndefined();
    expect(await effectiveSummary(web.id)).toEqual([[tGermany.name, 'Germany', 'Germany'], [tBerlin.name, 'Berlin', 'Germany'], [tWeb.name, 'web-01', 'Germany']]);
    const view = (await ok('{ brokenInheritance { kind id name path } }')).brokenInheritance;
    expect(view).toContainEqual({ kind: 'GROUP', id: germany.id, name: 'Germany', path: ['My Organization', europe.name, 'Germany'] });

    expect((await breakAt({ systemId: web.id })).errors).toBeUndefined();
    expect(await effectiveSummary(web.id)).toEqual([[tWeb.name, 'web-01', 'web-01']]);
    expect(await effectiveSummary(sibling.id)).toEqual([[tGermany.name, 'Germany', 'Germany'], [tBerlin.name, 'Berlin', 'Germany']]);
    expect(await brokenIds()).toEqual(expect.arrayContaining([germany.id, web.id]));
    const resetSystem = await resetAt({ systemId: web.id });
    expect(resetSystem.data.resetInheritance).toMatchObject({ node: { kind: 'SYSTEM', id: web.id }, inheritanceBroken: false });

    expect((await resetAt({ groupId: germany.id })).errors).toBeUndefined();
    expect((await effective(web.id)).map((entry: any) => entry.assignment.id)).toEqual([aEurope.id, aGermany.id, aBerlin.id, aWeb.id]);
    expect(await brokenIds()).not.toEqual(expect.arrayContaining([germany.id]));
    expect(await brokenIds()).not.toEqual(expect.arrayContaining([web.id]));

    await ok('mutation ($input: MoveSystemInput!) { moveSystem(input: $input) { system { id } } }', { input: { systemId: web.id, groupId: tokyo.id, version: web.version } });
    expect(await effectiveSummary(web.id)).toEqual([[tAsia.name, asia.name, null], [tWeb.name, 'web-01', null]]);
    const moved = await effective(web.id);
    expect(moved[1].fromNode.path).toEqual(['My Organization', asia.name, 'Tokyo', 'web-01']);

    // Moving a whole subtree carries its assignments and breaks along.
    await breakAt({ groupId: berlin.id });
    await ok('mutation ($input: MoveGroupInput!) { moveGroup(input: $input) { group { id } } }', { input: { groupId: berlin.id, parentId: tokyo.id, version: berlin.version } });
    expect(await effectiveSummary(sibling.id)).toEqual([[tBerlin.name, 'Berlin', 'Berlin']]);
    expect((await ok('{ brokenInheritance { id path } }')).brokenInheritance).toContainEqual({ id: berlin.id, path: ['My Organization', asia.name, 'Tokyo', 'Berlin'] });
    await resetAt({ groupId: berlin.id });
    expect(await effectiveSummary(sibling.id)).toEqual([[tAsia.name, asia.name, null], [tBerlin.name, 'Berlin', null]]);

    const [audit] = await stack.orm.em.fork().getConnection().execute<{ actions: string[] }[]>(
      `select array_agg(action order by created_at) as actions from audit_events where target_id in (?, ?, ?) and outcome = 'SUCCESS' and action like '%Inheritance'`,
      [germany.id, web.id, berlin.id],
    );
    expect(audit!.actions).toEqual(['breakInheritance', 'breakInheritance', 'resetInheritance', 'resetInheritance', 'breakInheritance', 'resetInheritance']);
  });

  it('updates an assignment with optimistic locking, removes it, and lists a node’s own assignments', async () => {
    const group = await createGroup(uniqueName('ops'), rootId);
    const system = await createSystem('ops-01', group.id);
    const task = await createTask('ops');
    const assignment = await assignOk({ clientTaskId: task.id, groupId: group.id, schedule: DAILY });
    const update = (version: number, schedule: Record<string, unknown>) =>
      gql(`mutation ($input: UpdateAssignmentInput!) { updateAssignment(input: $input) { assignment { ${ASSIGNMENT_FIELDS} } } }`, { input: { assignmentId: assignment.id, version, schedule } });

    const updated = await update(assignment.version, { kind: 'MONTHLY', startAt: '2027-01-01T08:00', dayOfMonth: 31, randomizationMinutes: 1380 });
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateAssignment.assignment).toMatchObject({ version: assignment.version + 1, schedule: { kind: 'MONTHLY', dayOfMonth: 31, everyNDays: null, randomizationMinutes: 1380, timeBasis: 'LOCAL' } });
    const stale = await update(assignment.version, DAILY);
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const read = await ok(`query ($id: ID!) { assignment(id: $id) { ${ASSIGNMENT_FIELDS} } }`, { id: assignment.id });
    expect(read.assignment.schedule.kind).toBe('MONTHLY');

    const own = await ok('query ($node: TreeNodeInput!) { assignmentsAt(node: $node) { id } }', { node: { groupId: group.id } });
    expect(own.assignmentsAt).toEqual([{ id: assignment.id }]);
    expect((await ok('query ($node: TreeNodeInput!) { assignmentsAt(node: $node) { id } }', { node: { systemId: system.id } })).assignmentsAt).toEqual([]);
    expect((await effective(system.id)).map((entry: any) => entry.assignment.id)).toEqual([assignment.id]);

    const removed = await ok('mutation ($input: RemoveAssignmentInput!) { removeAssignment(input: $input) { removedAssignmentId } }', { input: { assignmentId: assignment.id } });
    expect(removed.removeAssignment.removedAssignmentId).toBe(assignment.id);
    expect(await effective(system.id)).toEqual([]);
    expect((await gql('query ($id: ID!) { assignment(id: $id) { id } }', { id: assignment.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const [audit] = await stack.orm.em.fork().getConnection().execute<{ actions: string[] }[]>(
      `select array_agg(action order by created_at) as actions from audit_events where target_id = ? and outcome = 'SUCCESS'`,
      [assignment.id],
    );
    expect(audit!.actions).toEqual(['assignClientTask', 'updateAssignment', 'removeAssignment']);
  });

  it('removes a node’s assignments and break with the node', async () => {
    const group = await createGroup(uniqueName('temporary'), rootId);
    const task = await createTask('temporary');
    const assignment = await assignOk({ clientTaskId: task.id, groupId: group.id, schedule: DAILY });
    await breakAt({ groupId: group.id });
    await ok('mutation ($input: DeleteGroupInput!) { deleteGroup(input: $input) { deletedGroupId } }', { input: { groupId: group.id } });
    expect((await gql('query ($id: ID!) { assignment(id: $id) { id } }', { id: assignment.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await brokenIds()).not.toContain(group.id);
  });

  it('refuses every invalid schedule option and node with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const group = await createGroup(uniqueName('strict'), rootId);
    const system = await createSystem('strict-01', group.id);
    const task = await createTask('strict');
    const seed = await assignOk({ clientTaskId: task.id, groupId: group.id, schedule: DAILY });
    const before = await counts();
    const badSchedules: Array<[string, Record<string, unknown>]> = [
      ['schedule.startAt', { kind: 'DAILY' }],
      ['schedule.startAt', { kind: 'ONCE', startAt: '2026-02-29T10:00' }],
      ['schedule.startAt', { kind: 'ONCE', startAt: '2026-12-01T10:00', timeBasis: 'UTC' }],
      ['schedule.startAt', { kind: 'ONCE', startAt: '2026-12-01T10:00Z' }],
      ['schedule.everyNDays', { ...DAILY, everyNDays: 0 }],
      ['schedule.everyNDays', { ...DAILY, everyNDays: 366 }],
      ['schedule.weekdays', { kind: 'WEEKLY', startAt: '2026-12-01T09:30', weekdays: [] }],
      ['schedule.weekdays', { ...DAILY, weekdays: ['MONDAY'] }],
      ['schedule.dayOfMonth', { kind: 'MONTHLY', startAt: '2026-12-01T09:30', dayOfMonth: 0 }],
      ['schedule.dayOfMonth', { kind: 'MONTHLY', startAt: '2026-12-01T09:30' }],
      ['schedule.nthWeekday', { kind: 'MONTHLY', startAt: '2026-12-01T09:30', nthWeekday: { occurrence: 5, weekday: 'MONDAY' } }],
      ['schedule.endDate', { ...DAILY, endDate: '2026-11-30' }],
      ['schedule.endDate', { kind: 'IMMEDIATELY', endDate: '2027-01-01' }],
      ['schedule.randomizationMinutes', { ...DAILY, randomizationMinutes: 0 }],
      ['schedule.randomizationMinutes', { ...DAILY, randomizationMinutes: 1381 }],
      ['schedule.runMissedDelayMinutes', { ...DAILY, runMissedDelayMinutes: 5 }],
      ['schedule.runMissed', { kind: 'IMMEDIATELY', runMissed: true }],
      ['schedule.stopAfterMinutes', { ...DAILY, stopAfterMinutes: 0 }],
    ];
    for (const [field, schedule] of badSchedules) {
      const created = await assign({ clientTaskId: task.id, groupId: group.id, schedule });
      expect({ field, schedule, code: created.errors?.[0]?.extensions?.code, got: errorField(created) }).toEqual({ field, schedule, code: 'BAD_USER_INPUT', got: field });
      const updated = await gql('mutation ($input: UpdateAssignmentInput!) { updateAssignment(input: $input) { assignment { id } } }', { input: { assignmentId: seed.id, version: seed.version, schedule } });
      expect({ field, got: errorField(updated) }).toEqual({ field, got: field });
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    const badNodes: Array<[string, Record<string, unknown>]> = [
      ['groupId', { clientTaskId: task.id, schedule: DAILY }],
      ['systemId', { clientTaskId: task.id, groupId: group.id, systemId: system.id, schedule: DAILY }],
      ['groupId', { clientTaskId: task.id, groupId: unknown, schedule: DAILY }],
      ['systemId', { clientTaskId: task.id, systemId: 'not-an-id', schedule: DAILY }],
      ['clientTaskId', { clientTaskId: unknown, systemId: system.id, schedule: DAILY }],
    ];
    for (const [field, input] of badNodes) {
      const result = await assign(input);
      expect({ field, code: result.errors?.[0]?.extensions?.code, got: errorField(result) }).toEqual({ field, code: 'BAD_USER_INPUT', got: field });
    }
    const rootBreak = await breakAt({ groupId: rootId });
    expect(rootBreak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'groupId' });
    expect((await breakAt({ systemId: unknown })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'systemId' });
    expect((await gql(EFFECTIVE, { systemId: unknown })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Not a UUID: not found either, never the database's error from a query run alongside.
    expect((await gql(EFFECTIVE, { systemId: 'not-a-uuid' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await counts()).toEqual(before);
  });

  it('shows assignments to users who may view the task’s product, and refuses changes without EDIT (inheritance: without the administrator role) with FORBIDDEN', async () => {
    const group = await createGroup(uniqueName('guarded'), rootId);
    const system = await createSystem('guarded-01', group.id);
    const task = await createTask('guarded');
    const assignment = await assignOk({ clientTaskId: task.id, groupId: group.id, schedule: DAILY });
    const viewer = await signInWithGrants(stack, adminToken, [{ productId: agentProductId, capabilities: ['VIEW'] }]);
    const reads = `query ($systemId: ID!) { effectiveClientTasks(systemId: $systemId) { assignment { id } } brokenInheritance { id } assignment(id: "${assignment.id}") { id runnable } }`;
    const read = await gql(reads, { systemId: system.id }, viewer.token);
    expect(read.errors).toBeUndefined();
    expect(read.data.effectiveClientTasks).toEqual([{ assignment: { id: assignment.id } }]);
    // Without a permission set for Agent, its assignments are out of sight.
    const unseen = await gql(reads, { systemId: system.id }, plainUserToken);
    expect(unseen.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(unseen.errors?.[0]?.path).toEqual(['assignment']);
    expect((await ok('query ($systemId: ID!) { effectiveClientTasks(systemId: $systemId) { assignment { id } } }', { systemId: system.id }, plainUserToken)).effectiveClientTasks).toEqual([]);
    const before = await counts();
    const attempts: Array<[string, string, Record<string, unknown>]> = [
      ['assignClientTask', 'mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', { clientTaskId: task.id, systemId: system.id, schedule: DAILY }],
      ['updateAssignment', 'mutation ($input: UpdateAssignmentInput!) { updateAssignment(input: $input) { assignment { id } } }', { assignmentId: assignment.id, version: assignment.version, schedule: { kind: 'IMMEDIATELY' } }],
      ['removeAssignment', 'mutation ($input: RemoveAssignmentInput!) { removeAssignment(input: $input) { removedAssignmentId } }', { assignmentId: assignment.id }],
      ['breakInheritance', 'mutation ($input: TreeNodeInput!) { breakInheritance(input: $input) { inheritanceBroken } }', { groupId: group.id }],
      ['resetInheritance', 'mutation ($input: TreeNodeInput!) { resetInheritance(input: $input) { inheritanceBroken } }', { groupId: group.id }],
    ];
    for (const [name, query, input] of attempts) {
      for (const token of [plainUserToken, viewer.token]) {
        const result = await gql(query, { input }, token);
        expect({ name, code: result.errors?.[0]?.extensions?.code }).toEqual({ name, code: 'FORBIDDEN' });
      }
      const anonymous = await stack.graphql<any>(query, { input });
      expect({ name, code: anonymous.errors?.[0]?.extensions?.code }).toEqual({ name, code: 'UNAUTHENTICATED' });
    }
    expect(await counts()).toEqual(before);
    expect((await stack.graphql<any>(EFFECTIVE, { systemId: system.id })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
