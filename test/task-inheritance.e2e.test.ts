import { generatePassword } from '../services/vault/password-policy';
import { Role } from '../lib/enums';
import { createTestUser } from './harness/sshd';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { finishedJob } from './harness/vault-fixtures';

const RECORD = `query ($id: ID!) {
  record(id: $id) { id tasksUnique tasks { source task { id name version script policyEvents } } executableTasks { id name } }
}`;
const TYPE_TASKS = 'query ($id: ID!) { recordType(id: $id) { tasks { id name version script policyEvents } } }';
const ADD_TYPE_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id name version } } }';
const ADD_RECORD_TASK = 'mutation ($input: AddRecordTaskInput!) { addRecordTask(input: $input) { task { id name version } } }';
const UPDATE_TASK = 'mutation ($input: UpdateTaskInput!) { updateTask(input: $input) { task { id name version } } }';
const REMOVE_TASK = 'mutation ($input: TaskRefInput!) { removeTask(input: $input) { taskId } }';
const MAKE_UNIQUE = 'mutation ($input: RecordRefInput!) { makeRecordTasksUnique(input: $input) { record { id tasksUnique } } }';
const RESET = 'mutation ($input: RecordRefInput!) { resetRecordTasks(input: $input) { record { id tasksUnique } } }';
const GRANT = 'mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { permissions user { id } } } }';
const RUN_ON_DEMAND = 'mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id state type } } }';
const AUDIT = '{ auditEvents(first: 100) { edges { node { id action actorName targetType targetId outcome } } } }';

interface AuditEntry {
  id: string;
  action: string;
  actorName: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
}

interface RecordTask {
  source: 'RECORD' | 'RECORD_TYPE';
  task: { id: string; name: string; version: number; script: string; policyEvents: string[] };
}

function onDemandTask(name: string) {
  return { name, script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] };
}

describe('task inheritance and its permissions', () => {
  let stack: StewardStack;
  let admin: string;
  let adminName: string;
  let plain: string;
  let plainId: string;
  let plainName: string;
  let recordTypeId: string;
  let typeTaskId: string;
  /** Holds a real account on the test sshd, so its On Demand Verify Password job can complete. */
  let recordA: string;
  let recordB: string;
  let removeAccount: () => Promise<void>;

  async function ok<T = any>(query: string, input: Record<string, unknown>, token: string): Promise<T> {
    const result = await stack.graphql<any>(query, { input }, token);
    if (!result.data || result.errors) throw new Error(`expected success, got ${JSON.stringify(result.errors)}`);
    return Object.values(result.data)[0] as T;
  }

  async function errorCode(query: string, input: Record<string, unknown>, token?: string): Promise<string | undefined> {
    const result = await stack.graphql<any>(query, { input }, token);
    return result.errors?.[0]?.extensions?.code;
  }

  async function recordTasks(recordId: string): Promise<{ tasksUnique: boolean; tasks: RecordTask[]; executableTasks: { id: string; name: string }[] }> {
    const result = await stack.graphql<any>(RECORD, { id: recordId }, admin);
    return result.data.record;
  }

  async function typeTasks(): Promise<RecordTask['task'][]> {
    return (await stack.graphql<any>(TYPE_TASKS, { id: recordTypeId }, admin)).data.recordType.tasks;
  }

  async function auditLog(): Promise<AuditEntry[]> {
    return (await stack.graphql<any>(AUDIT, {}, admin)).data.auditEvents.edges.map((edge: any) => edge.node);
  }

  /** The audit entries written after `mark` (the newest entry when it was taken). */
  async function auditSince(mark: string | undefined): Promise<AuditEntry[]> {
    const log = await auditLog();
    const end = log.findIndex((entry) => entry.id === mark);
    return end < 0 ? log : log.slice(0, end);
  }

  async function auditMark(): Promise<string | undefined> {
    return (await auditLog())[0]?.id;
  }

  async function rowCount(table: string): Promise<number> {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>(`select count(*) from ${table}`);
    return Number(row!.count);
  }

  async function createRecord(username: string, password: string): Promise<string> {
    const env = testEnvironment();
    const created = await ok<any>(
      'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }',
      {
        recordTypeId,
        name: uniqueName(username),
        host: env.sshdHost,
        port: env.sshdPort,
        username,
        password,
        hostKeyFingerprint: env.sshdFingerprint,
        timeZone: 'Europe/Berlin',
      },
      admin,
    );
    return created.record.id;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
    plain = await stack.signIn([]);
    adminName = (await stack.graphql<any>('{ me { username } }', {}, admin)).data.me.username;
    const me = (await stack.graphql<any>('{ me { id username } }', {}, plain)).data.me;
    plainId = me.id;
    plainName = me.username;

    const type = await ok<any>(
      'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id tasks { id } } } }',
      { name: uniqueName('inherit'), tasks: [onDemandTask('Verify')] },
      admin,
    );
    recordTypeId = type.recordType.id;
    typeTaskId = type.recordType.tasks[0].id;

    const password = generatePassword();
    const account = await createTestUser(password);
    removeAccount = account.remove;
    recordA = await createRecord(account.username, password);
    recordB = await createRecord('nobody', generatePassword());
  });

  afterAll(async () => {
    await removeAccount?.();
    await stack?.stop();
  });

  it('a record inherits its type’s tasks, and an edit on the type reaches it', async () => {
    const inherited = await recordTasks(recordA);
    expect(inherited.tasksUnique).toBe(false);
    expect(inherited.tasks).toEqual([{ source: 'RECORD_TYPE', task: expect.objectContaining({ id: typeTaskId, name: 'Verify' }) }]);
    expect(inherited.executableTasks.map((task) => task.id)).toEqual([typeTaskId]);

    const mark = await auditMark();
    const [task] = await typeTasks();
    await ok(UPDATE_TASK, { taskId: typeTaskId, version: task!.version, task: onDemandTask('Verify (edited on the type)') }, admin);
    const added = await ok<any>(ADD_TYPE_TASK, { recordTypeId, task: onDemandTask('Second') }, admin);

    for (const recordId of [recordA, recordB]) {
      const { tasks } = await recordTasks(recordId);
      expect(tasks.map((entry) => [entry.source, entry.task.id, entry.task.name])).toEqual([
        ['RECORD_TYPE', typeTaskId, 'Verify (edited on the type)'],
        ['RECORD_TYPE', added.task.id, 'Second'],
      ]);
    }
    expect(await auditSince(mark)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'updateTask', targetId: typeTaskId, actorName: adminName, outcome: 'SUCCESS' }),
        expect.objectContaining({ action: 'addTask', targetId: added.task.id, actorName: adminName, outcome: 'SUCCESS' }),
      ]),
    );
  });

  it('refuses addRecordTask on a record that still inherits (CONFLICT), writing nothing', async () => {
    const before = await recordTasks(recordA);
    const tasks = await rowCount('tasks');
    const mark = await auditMark();
    expect(await errorCode(ADD_RECORD_TASK, { recordId: recordA, task: onDemandTask('Own') }, admin)).toBe('CONFLICT');
    expect(await recordTasks(recordA)).toEqual(before);
    expect(await rowCount('tasks')).toBe(tasks);
    // Nothing changed; the refusal itself is audited with its outcome.
    expect((await auditSince(mark)).map(({ action, outcome }) => [action, outcome])).toEqual([['addRecordTask', 'CONFLICT']]);
  });

  it('Make Unique copies the type’s tasks onto the record; after that, edits on the type no longer reach it', async () => {
    const mark = await auditMark();
    const made = await ok<any>(MAKE_UNIQUE, { recordId: recordA }, admin);
    expect(made.record.tasksUnique).toBe(true);

    const typeList = await typeTasks();
    const own = await recordTasks(recordA);
    expect(own.tasksUnique).toBe(true);
    expect(own.tasks.map((entry) => entry.source)).toEqual(['RECORD', 'RECORD']);
    expect(own.tasks.map(({ task }) => [task.name, task.script, task.policyEvents])).toEqual(
      typeList.map((task) => [task.name, task.script, task.policyEvents]),
    );
    const ownIds = own.tasks.map(({ task }) => task.id);
    for (const id of ownIds) expect(typeList.map((task) => task.id)).not.toContain(id);
    // Its On Demand list is its own copies; the type's task no longer applies to it.
    expect(own.executableTasks.map((task) => task.id)).toEqual(ownIds);
    expect(await errorCode(RUN_ON_DEMAND, { recordId: recordA, taskId: typeTaskId }, admin)).toBe('NOT_FOUND');

    // Edits on the type: rename, add, remove. B (still inheriting) sees them; A does not.
    await ok(UPDATE_TASK, { taskId: typeTaskId, version: typeList[0]!.version, task: onDemandTask('Verify (after Make Unique)') }, admin);
    const third = await ok<any>(ADD_TYPE_TASK, { recordTypeId, task: onDemandTask('Third') }, admin);
    await ok(REMOVE_TASK, { taskId: typeList[1]!.id }, admin);
    expect((await recordTasks(recordB)).tasks.map((entry) => [entry.source, entry.task.name])).toEqual([
      ['RECORD_TYPE', 'Verify (after Make Unique)'],
      ['RECORD_TYPE', 'Third'],
    ]);
    expect((await recordTasks(recordA)).tasks).toEqual(own.tasks);

    // Now the record takes tasks of its own.
    const added = await ok<any>(ADD_RECORD_TASK, { recordId: recordA, task: onDemandTask('Own') }, admin);
    expect((await recordTasks(recordA)).tasks.map((entry) => [entry.source, entry.task.name])).toEqual([
      ['RECORD', 'Verify (edited on the type)'],
      ['RECORD', 'Second'],
      ['RECORD', 'Own'],
    ]);
    expect(await errorCode(MAKE_UNIQUE, { recordId: recordA }, admin)).toBe('CONFLICT');

    expect(await auditSince(mark)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'makeRecordTasksUnique', targetId: recordA, actorName: adminName, outcome: 'SUCCESS' }),
        expect.objectContaining({ action: 'updateTask', targetId: typeTaskId, outcome: 'SUCCESS' }),
        expect.objectContaining({ action: 'addTask', targetId: third.task.id, outcome: 'SUCCESS' }),
        expect.objectContaining({ action: 'removeTask', targetId: typeList[1]!.id, outcome: 'SUCCESS' }),
        expect.objectContaining({ action: 'addTask', targetId: added.task.id, outcome: 'SUCCESS' }),
      ]),
    );
  });

  it('Reset restores inheritance: the record’s own tasks are gone', async () => {
    const ownIds = (await recordTasks(recordA)).tasks.map(({ task }) => task.id);
    const mark = await auditMark();
    const reset = await ok<any>(RESET, { recordId: recordA }, admin);
    expect(reset.record.tasksUnique).toBe(false);

    const after = await recordTasks(recordA);
    expect(after.tasks).toEqual((await recordTasks(recordB)).tasks);
    expect(after.tasks.map((entry) => entry.source)).toEqual(['RECORD_TYPE', 'RECORD_TYPE']);
    for (const id of ownIds) {
      expect(await errorCode(UPDATE_TASK, { taskId: id, version: 1, task: onDemandTask('Ghost') }, admin)).toBe('NOT_FOUND');
      expect(await errorCode(REMOVE_TASK, { taskId: id }, admin)).toBe('NOT_FOUND');
    }
    expect(await errorCode(RESET, { recordId: recordA }, admin)).toBe('CONFLICT');
    const audited = await auditSince(mark);
    expect(audited.filter((entry) => entry.outcome === 'SUCCESS')).toEqual([
      expect.objectContaining({ action: 'resetRecordTasks', targetId: recordA, actorName: adminName }),
    ]);
    // Each refused call after it is audited with its outcome, and changed nothing.
    expect(audited.filter((entry) => entry.outcome !== 'SUCCESS').map(({ action, outcome }) => [action, outcome])).toEqual([
      ['resetRecordTasks', 'CONFLICT'],
      ...ownIds.flatMap(() => [
        ['removeTask', 'NOT_FOUND'],
        ['updateTask', 'NOT_FOUND'],
      ]),
    ]);
  });

  it('audits Make Unique and Reset against the record they change', async () => {
    // The audit entry's target names what changed: the record (its id is not a task id).
    const entries = (await auditLog()).filter((entry) => ['makeRecordTasksUnique', 'resetRecordTasks'].includes(entry.action) && entry.targetId === recordA);
    expect(entries.length).toBeGreaterThanOrEqual(2);
    for (const entry of entries) expect(entry.targetType).toBe('Record');
  });

  // Adding a type task is refused on the role alone. A type's task is NOT_FOUND to those who may
  // not see the type (no grant on it or on a record of it), as a missing one is; FORBIDDEN to the rest.
  it('editing a record type’s tasks needs System Administrator: anyone else is refused and nothing is written', async () => {
    const operator = await stack.signIn([Role.OPERATOR]);
    const viewer = await stack.signIn([]);
    const viewerId = (await stack.graphql<any>('{ me { id } }', {}, viewer)).data.me.id;
    await ok(GRANT, { recordId: recordB, userId: viewerId, permissions: ['VIEW'] }, admin);
    const before = await typeTasks();
    const tasks = await rowCount('tasks');
    const mark = await auditMark();
    for (const [token, seesType] of [[plain, false], [operator, false], [viewer, true]] as const) {
      const refusal = seesType ? 'FORBIDDEN' : 'NOT_FOUND';
      expect(await errorCode(ADD_TYPE_TASK, { recordTypeId, task: onDemandTask('Sneaky') }, token)).toBe('FORBIDDEN');
      expect(await errorCode(UPDATE_TASK, { taskId: typeTaskId, version: before[0]!.version, task: onDemandTask('Sneaky') }, token)).toBe(refusal);
      expect(await errorCode(REMOVE_TASK, { taskId: typeTaskId }, token)).toBe(refusal);
    }
    expect(await errorCode(ADD_TYPE_TASK, { recordTypeId, task: onDemandTask('Anonymous') })).toBe('UNAUTHENTICATED');
    expect(await typeTasks()).toEqual(before);
    expect(await rowCount('tasks')).toBe(tasks);
    expect((await auditSince(mark)).filter((entry) => entry.outcome === 'SUCCESS')).toEqual([]);
  });

  it('Task Control: Manage on record A lets a user Make Unique, add, edit, remove and Reset A’s tasks, and nothing on B', async () => {
    // Without a grant the record is invisible: NOT_FOUND, as for a record that does not exist.
    expect(await errorCode(MAKE_UNIQUE, { recordId: recordA }, plain)).toBe('NOT_FOUND');
    expect((await recordTasks(recordA)).tasksUnique).toBe(false);

    let mark = await auditMark();
    const granted = await ok<any>(GRANT, { recordId: recordA, userId: plainId, permissions: ['TASK_CONTROL_MANAGE'] }, admin);
    expect(granted.grant).toEqual({ permissions: ['TASK_CONTROL_MANAGE'], user: { id: plainId } });
    expect(await auditSince(mark)).toEqual([
      expect.objectContaining({ action: 'grantRecordPermissions', targetId: recordA, actorName: adminName, outcome: 'SUCCESS' }),
    ]);

    mark = await auditMark();
    expect((await ok<any>(MAKE_UNIQUE, { recordId: recordA }, plain)).record.tasksUnique).toBe(true);
    const added = await ok<any>(ADD_RECORD_TASK, { recordId: recordA, task: onDemandTask('Added by the manager') }, plain);
    const edited = await ok<any>(
      UPDATE_TASK,
      { taskId: added.task.id, version: added.task.version, task: onDemandTask('Edited by the manager') },
      plain,
    );
    expect(edited.task.name).toBe('Edited by the manager');
    const copied = (await recordTasks(recordA)).tasks[0]!.task;
    expect(await ok<any>(REMOVE_TASK, { taskId: copied.id }, plain)).toEqual({ taskId: copied.id });
    expect((await recordTasks(recordA)).tasks.map((entry) => [entry.source, entry.task.name])).toEqual([
      ['RECORD', 'Third'],
      ['RECORD', 'Edited by the manager'],
    ]);
    // A record permission is not a licence to edit the type.
    const [typeTask] = await typeTasks();
    expect(await errorCode(UPDATE_TASK, { taskId: typeTask!.id, version: typeTask!.version, task: onDemandTask('Nope') }, plain)).toBe('FORBIDDEN');
    expect(await errorCode(ADD_TYPE_TASK, { recordTypeId, task: onDemandTask('Nope') }, plain)).toBe('FORBIDDEN');
    expect((await ok<any>(RESET, { recordId: recordA }, plain)).record.tasksUnique).toBe(false);

    const written = await auditSince(mark);
    expect(written.map((entry) => entry.actorName)).toEqual(written.map(() => plainName));
    expect(written.filter((entry) => entry.outcome === 'SUCCESS').map((entry) => [entry.action, entry.targetId]).reverse()).toEqual([
      ['makeRecordTasksUnique', recordA],
      ['addTask', added.task.id],
      ['updateTask', added.task.id],
      ['removeTask', copied.id],
      ['resetRecordTasks', recordA],
    ]);

    // Record B: the grant on A is worth nothing there; B and its tasks answer as missing ones do.
    expect(await errorCode(MAKE_UNIQUE, { recordId: recordB }, plain)).toBe('NOT_FOUND');
    await ok(MAKE_UNIQUE, { recordId: recordB }, admin);
    const bBefore = await recordTasks(recordB);
    const bTask = bBefore.tasks[0]!.task;
    const tasks = await rowCount('tasks');
    mark = await auditMark();
    expect(await errorCode(ADD_RECORD_TASK, { recordId: recordB, task: onDemandTask('Nope') }, plain)).toBe('NOT_FOUND');
    expect(await errorCode(UPDATE_TASK, { taskId: bTask.id, version: bTask.version, task: onDemandTask('Nope') }, plain)).toBe('NOT_FOUND');
    expect(await errorCode(REMOVE_TASK, { taskId: bTask.id }, plain)).toBe('NOT_FOUND');
    expect(await errorCode(RESET, { recordId: recordB }, plain)).toBe('NOT_FOUND');
    expect(await recordTasks(recordB)).toEqual(bBefore);
    expect(await rowCount('tasks')).toBe(tasks);
    expect((await auditSince(mark)).filter((entry) => entry.outcome === 'SUCCESS')).toEqual([]);
  });

  it('running an On Demand task needs Execute on the record; revoking it (an empty list) takes it away', async () => {
    const [onDemand] = (await recordTasks(recordA)).executableTasks;
    const jobs = await rowCount('jobs');
    // Task Control: Manage is not Execute.
    expect(await errorCode(RUN_ON_DEMAND, { recordId: recordA, taskId: onDemand!.id }, plain)).toBe('FORBIDDEN');
    expect(await rowCount('jobs')).toBe(jobs);

    let mark = await auditMark();
    const granted = await ok<any>(GRANT, { recordId: recordA, userId: plainId, permissions: ['EXECUTE'] }, admin);
    expect(granted.grant.permissions).toEqual(['EXECUTE']);
    const ran = await ok<any>(RUN_ON_DEMAND, { recordId: recordA, taskId: onDemand!.id }, plain);
    expect(ran.job).toMatchObject({ state: 'SCHEDULED', type: 'ON_DEMAND' });
    const done = await finishedJob(stack, admin, ran.job.id);
    expect(done.state).toBe('COMPLETED');
    expect(await auditSince(mark)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'grantRecordPermissions', targetId: recordA, actorName: adminName, outcome: 'SUCCESS' }),
        expect.objectContaining({ action: 'runOnDemandTask', targetId: ran.job.id, actorName: plainName, outcome: 'SUCCESS' }),
      ]),
    );

    // The grant replaced Task Control: Manage; and Execute on A means nothing on B (not even seeing it).
    expect(await errorCode(MAKE_UNIQUE, { recordId: recordA }, plain)).toBe('FORBIDDEN');
    const bTask = (await recordTasks(recordB)).executableTasks[0]!;
    expect(await errorCode(RUN_ON_DEMAND, { recordId: recordB, taskId: bTask.id }, plain)).toBe('NOT_FOUND');

    mark = await auditMark();
    const revoked = await ok<any>(GRANT, { recordId: recordA, userId: plainId, permissions: [] }, admin);
    expect(revoked.grant).toBeNull();
    const grants = await stack.graphql<any>('query ($id: ID!) { record(id: $id) { grants { user { id } permissions } } }', { id: recordA }, admin);
    expect(grants.data.record.grants).toEqual([]);
    const jobsAfterRevoke = await rowCount('jobs');
    expect(await errorCode(RUN_ON_DEMAND, { recordId: recordA, taskId: onDemand!.id }, plain)).toBe('NOT_FOUND');
    expect(await rowCount('jobs')).toBe(jobsAfterRevoke);
    // The revoke, and the refused run after it (refusals are audited too).
    expect(await auditSince(mark)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'grantRecordPermissions', targetId: recordA, actorName: adminName, outcome: 'SUCCESS' }),
        expect.objectContaining({ action: 'permissionRefused', targetId: recordA, actorName: plainName, outcome: 'FAILURE' }),
      ]),
    );
    expect(await auditSince(mark)).toHaveLength(2);
  });

  it('updateTask with a stale version is CONFLICT and changes nothing', async () => {
    const [task] = await typeTasks();
    const mark = await auditMark();
    const first = await ok<any>(UPDATE_TASK, { taskId: task!.id, version: task!.version, task: onDemandTask('First writer') }, admin);
    expect(first.task.version).toBe(task!.version + 1);
    expect(await errorCode(UPDATE_TASK, { taskId: task!.id, version: task!.version, task: onDemandTask('Second writer') }, admin)).toBe('CONFLICT');
    const [after] = await typeTasks();
    expect(after).toMatchObject({ name: 'First writer', version: task!.version + 1 });
    // The first writer's change, and the second writer's refusal (newest first).
    expect((await auditSince(mark)).map((entry) => [entry.action, entry.outcome])).toEqual([
      ['updateTask', 'CONFLICT'],
      ['updateTask', 'SUCCESS'],
    ]);
    expect((await auditSince(mark))[1]!.targetId).toBe(task!.id);
  });
});
