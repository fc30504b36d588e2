import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Role } from '../lib/enums';
import { generatePassword } from '../services/vault/password-policy';
import { expectOk } from './harness/permission-sets';
import { createTestUser } from './harness/sshd';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, unlock } from './harness/vault-fixtures';

const GRANT = 'mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { id permissions } } }';
const REVOKE = 'mutation ($input: RecordGrantRefInput!) { revokeRecordPermissions(input: $input) { revoked } }';
const RECORD = 'query ($id: ID!) { record(id: $id) { id name recordType { id } tasks { task { id name shadowRecord { id } } } } }';
const RECORDS = '{ records(first: 100) { totalCount edges { node { id } } } }';
const RECORD_TYPES = '{ recordTypes(first: 100) { totalCount edges { node { id } } } }';
const JOBS = 'query ($filter: JobFilterInput) { jobs(first: 100, filter: $filter) { totalCount edges { node { id triggerEvent state dueAt } } } }';
const ACCESS_REQUESTS = 'query ($recordId: ID) { accessRequests(recordId: $recordId) { id } }';
const ADD_RECORD_TASK = 'mutation ($input: AddRecordTaskInput!) { addRecordTask(input: $input) { task { id version } } }';
const ADD_TYPE_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }';
const UPDATE_TASK = 'mutation ($input: UpdateTaskInput!) { updateTask(input: $input) { task { id } } }';
const MAKE_UNIQUE = 'mutation ($input: RecordRefInput!) { makeRecordTasksUnique(input: $input) { record { id } } }';
const ADD_SHADOW_HOST = 'mutation ($input: AddShadowHostInput!) { addShadowHost(input: $input) { shadowHost { id } } }';
const REMOVE_SHADOW_HOST = 'mutation ($input: ShadowHostRefInput!) { removeShadowHost(input: $input) { id } }';
const REQUEST_ACCESS = 'mutation ($input: RequestAccessInput!) { requestAccess(input: $input) { request { id } } }';
const APPROVE = 'mutation ($input: ApproveAccessInput!) { approveAccessRequest(input: $input) { request { id } } }';
const CHECK_OUT = 'mutation ($input: AccessRequestRefInput!) { checkOutRecord(input: $input) { password } }';
const CANCEL_JOB = 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { id } } }';

interface Refusal {
  code: string | undefined;
  message: string | undefined;
}

describe('record permissions', () => {
  let stack: StewardStack;
  let admin: string;
  const records: RotatableRecord[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  async function ok<T = any>(query: string, variables: Record<string, unknown>, token = admin): Promise<T> {
    return Object.values(expectOk(await stack.graphql<any>(query, variables, token)))[0] as T;
  }

  /** The error of a call, with the ID it names replaced, so answers about two IDs compare. */
  async function refusal(query: string, variables: Record<string, unknown>, token: string, id: string): Promise<Refusal> {
    const result = await stack.graphql<any>(query, variables, token);
    const error = result.errors?.[0];
    return { code: error?.extensions?.code, message: error?.message.replaceAll(id, '<id>') };
  }

  async function signInUser(roles: Role[] = []): Promise<{ token: string; userId: string }> {
    const token = await stack.signIn(roles);
    return { token, userId: expectOk(await stack.graphql<any>('{ me { id } }', {}, token)).me.id };
  }

  async function rotatable(overrides: Parameters<typeof createRotatableRecord>[2] = {}): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, admin, overrides);
    records.push(record);
    return record;
  }

  async function recordTypeOf(recordId: string): Promise<string> {
    return (await ok<any>(RECORD, { id: recordId })).recordType.id;
  }

  /** The rows of these records and of what hangs off them (other test files write to the same tables meanwhile). */
  async function rowsOf(...recordIds: string[]): Promise<Record<string, string>> {
    const [row] = await stack.orm.em.fork().getConnection().execute<Record<string, string>[]>(
      `select (select count(*) from records where id in (?)) as records,
              (select count(*) from tasks where record_id in (?) or record_type_id in (select record_type_id from records where id in (?))) as tasks,
              (select count(*) from jobs where record_id in (?)) as jobs,
              (select count(*) from access_requests where record_id in (?)) as access_requests,
              (select count(*) from record_grants where record_id in (?)) as grants,
              (select count(*) from shadow_hosts where record_id in (?)) as shadow_hosts`,
      Array.from({ length: 7 }, () => recordIds),
    );
    return row!;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    for (const record of records) await record.removeUser().catch(() => undefined);
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await stack?.stop();
  });

  it('a user without a grant sees no records, record types, vault jobs or access requests, and each answers by ID as a missing one does', async () => {
    const record = await rotatable({ script: 'VERIFY_PASSWORD' });
    const job = await finishedJob(stack, admin, (await runOnDemand(stack, admin, record.recordId, record.taskId)).id);
    const requester = await signInUser();
    await ok(GRANT, { input: { recordId: record.recordId, userId: requester.userId, permissions: ['VIEW'] } });
    const request = (await ok<any>(REQUEST_ACCESS, { input: { recordId: record.recordId } }, requester.token)).request.id;
    const recordTypeId = await recordTypeOf(record.recordId);
    const { token: outsider } = await signInUser();

    expect(await ok<any>(RECORDS, {}, outsider)).toEqual({ totalCount: 0, edges: [] });
    expect(await ok<any>(RECORD_TYPES, {}, outsider)).toEqual({ totalCount: 0, edges: [] });
    expect(await ok<any>(JOBS, {}, outsider)).toEqual({ totalCount: 0, edges: [] });
    expect(await ok<any>(JOBS, { filter: { recordId: record.recordId } }, outsider)).toEqual({ totalCount: 0, edges: [] });
    expect(await ok<any>(ACCESS_REQUESTS, {}, outsider)).toEqual([]);
    expect(await ok<any>(ACCESS_REQUESTS, { recordId: record.recordId }, outsider)).toEqual([]);

    const before = await rowsOf(record.recordId);
    const byId: [string, string, (id: string) => Record<string, unknown>][] = [
      ['record', RECORD, (id) => ({ id })],
      ['recordType', 'query ($id: ID!) { recordType(id: $id) { id } }', (id) => ({ id })],
      ['job', 'query ($id: ID!) { job(id: $id) { id } }', (id) => ({ id })],
      ['unlockRecord', 'mutation ($id: ID!) { unlockRecord(input: { recordId: $id }) { password } }', (id) => ({ id })],
      ['runOnDemandTask', 'mutation ($id: ID!, $taskId: ID!) { runOnDemandTask(input: { recordId: $id, taskId: $taskId }) { job { id } } }', (id) => ({ id, taskId: record.taskId })],
      ['updateRecord', 'mutation ($id: ID!) { updateRecord(input: { recordId: $id, version: 1, timeZone: "UTC" }) { record { id } } }', (id) => ({ id })],
      ['deleteRecord', 'mutation ($id: ID!) { deleteRecord(input: { recordId: $id }) { id } }', (id) => ({ id })],
      ['requestAccess', 'mutation ($id: ID!) { requestAccess(input: { recordId: $id }) { request { id } } }', (id) => ({ id })],
      ['checkOutRecord', 'mutation ($id: ID!) { checkOutRecord(input: { requestId: $id }) { password } }', (id) => ({ id })],
      ['makeRecordTasksUnique', 'mutation ($id: ID!) { makeRecordTasksUnique(input: { recordId: $id }) { record { id } } }', (id) => ({ id })],
      ['taskSchedulePreview', 'query ($id: ID!, $taskId: ID!) { taskSchedulePreview(recordId: $id, taskId: $taskId) { due } }', (id) => ({ id, taskId: record.taskId })],
    ];
    const hidden: Record<string, string> = {
      record: record.recordId, recordType: recordTypeId, job: job.id, unlockRecord: record.recordId, runOnDemandTask: record.recordId, updateRecord: record.recordId,
      deleteRecord: record.recordId, requestAccess: record.recordId, checkOutRecord: request, makeRecordTasksUnique: record.recordId, taskSchedulePreview: record.recordId,
    };
    for (const [name, query, variables] of byId) {
      const missing = randomUUID();
      const existing = await refusal(query, variables(hidden[name]!), outsider, hidden[name]!);
      expect({ name, ...existing }).toEqual({ name, ...(await refusal(query, variables(missing), outsider, missing)) });
      expect({ name, code: existing.code }).toEqual({ name, code: 'NOT_FOUND' });
    }
    expect(await rowsOf(record.recordId)).toEqual(before);
  });

  it('grants through a user group and on a record type give access to every record of the type; removing them takes it away', async () => {
    const first = await rotatable({ script: 'VERIFY_PASSWORD' });
    const recordTypeId = await recordTypeOf(first.recordId);
    const env = testEnvironment();
    const second = expectOk(
      await stack.graphql<any>(
        'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }',
        { input: { recordTypeId, name: uniqueName('second'), host: env.sshdHost, port: env.sshdPort, username: 'nobody', password: generatePassword(), hostKeyFingerprint: env.sshdFingerprint } },
        admin,
      ),
    ).createRecord.record.id;
    const member = await signInUser();
    const group = (await ok<any>('mutation ($input: CreateUserGroupInput!) { createUserGroup(input: $input) { group { id name version } } }', { input: { name: uniqueName('operators') } })).group;
    // Only administrators manage groups.
    expect((await stack.graphql('mutation ($input: UserGroupMemberInput!) { addUserGroupMember(input: $input) { group { id } } }', { input: { groupId: group.id, userId: member.userId } }, member.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const added = await ok<any>('mutation ($input: UserGroupMemberInput!) { addUserGroupMember(input: $input) { group { members { id } } } }', { input: { groupId: group.id, userId: member.userId } });
    expect(added.group.members).toEqual([{ id: member.userId }]);

    const visibleIds = async () => (await ok<any>(RECORDS, {}, member.token)).edges.map((edge: any) => edge.node.id).sort();
    expect(await visibleIds()).toEqual([]);

    // View on the record type, to the group: both records, the type, and their Job History.
    await ok(GRANT, { input: { recordTypeId, groupId: group.id, permissions: ['VIEW'] } });
    expect(await visibleIds()).toEqual([first.recordId, second].sort());
    expect((await ok<any>(RECORD_TYPES, {}, member.token)).edges.map((edge: any) => edge.node.id)).toEqual([recordTypeId]);
    const job = await runOnDemand(stack, admin, first.recordId, first.taskId);
    expect((await ok<any>(JOBS, { filter: { recordId: first.recordId } }, member.token)).edges.map((edge: any) => edge.node.id)).toEqual([job.id]);
    expect((await getJob(stack, member.token, job.id)).id).toBe(job.id);
    // Viewing is not running.
    expect((await stack.graphql(`mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id } } }`, { input: { recordId: first.recordId, taskId: first.taskId } }, member.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Execute on one record, to the group: runs there, not on the other.
    await ok(GRANT, { input: { recordId: first.recordId, groupId: group.id, permissions: ['EXECUTE'] } });
    expect((await finishedJob(stack, member.token, (await runOnDemand(stack, member.token, first.recordId, first.taskId)).id)).state).toBe('COMPLETED');
    const grants = await ok<any>('query ($id: ID!) { record(id: $id) { grants { permissions group { id } user { id } record { id } recordType { id } } } }', { id: first.recordId });
    expect(grants.grants).toEqual([
      { permissions: ['EXECUTE'], group: { id: group.id }, user: null, record: { id: first.recordId }, recordType: null },
      { permissions: ['VIEW'], group: { id: group.id }, user: null, record: null, recordType: { id: recordTypeId } },
    ]);

    // Out of the group: nothing.
    await ok('mutation ($input: UserGroupMemberInput!) { removeUserGroupMember(input: $input) { group { id } } }', { input: { groupId: group.id, userId: member.userId } });
    expect(await visibleIds()).toEqual([]);
    expect((await stack.graphql(RECORD, { id: first.recordId }, member.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // A grant to the user directly, revoked again.
    await ok(GRANT, { input: { recordId: second, userId: member.userId, permissions: ['VIEW'] } });
    expect(await visibleIds()).toEqual([second]);
    expect(await ok<any>(REVOKE, { input: { recordId: second, userId: member.userId } })).toEqual({ revoked: true });
    expect(await ok<any>(REVOKE, { input: { recordId: second, userId: member.userId } })).toEqual({ revoked: false });
    expect(await visibleIds()).toEqual([]);

    // A grant names exactly one object and one subject.
    expect((await stack.graphql(GRANT, { input: { recordId: second, recordTypeId, userId: member.userId, permissions: ['VIEW'] } }, admin)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await stack.graphql(GRANT, { input: { recordId: second, permissions: ['VIEW'] } }, admin)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  describe('the credential-theft scenario: Task Control: Manage on A alone', () => {
    let hostA: RotatableRecord;
    let shadowB: { recordId: string; username: string };
    let mallory: { token: string; userId: string };

    /** B: a uid-0 account on the test sshd, whose record says its host is "localhost", so A's host (127.0.0.1) is not its own. */
    async function superuserRecordOnOtherHost(): Promise<{ recordId: string; username: string }> {
      const password = generatePassword();
      const account = await createTestUser(password, { superuser: true });
      cleanups.push(account.remove);
      const env = testEnvironment();
      const type = await ok<any>('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', { input: { name: uniqueName('domain-admin'), tasks: [] } });
      const created = await ok<any>('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }', {
        input: { recordTypeId: type.recordType.id, name: uniqueName('root'), host: 'localhost', port: env.sshdPort, username: account.username, password, hostKeyFingerprint: env.sshdFingerprint },
      });
      return { recordId: created.record.id, username: account.username };
    }

    function sshdLog(): string {
      return readFileSync(testEnvironment().sshdLogFile, 'utf8');
    }

    beforeAll(async () => {
      hostA = await rotatable();
      shadowB = await superuserRecordOnOtherHost();
      mallory = await signInUser();
      await ok(GRANT, { input: { recordId: hostA.recordId, userId: mallory.userId, permissions: ['TASK_CONTROL_MANAGE'] } });
      await ok(MAKE_UNIQUE, { input: { recordId: hostA.recordId } }, mallory.token);
    });

    it('she can neither make B the shadow account of A’s task nor target B, and nothing is saved', async () => {
      const own = await ok<any>(ADD_RECORD_TASK, { input: { recordId: hostA.recordId, task: { name: 'Mine', script: 'CUSTOM_COMMAND', policyEvents: ['ON_DEMAND'], scriptParameters: { command: 'id' } } } }, mallory.token);
      // A references B (an administrator set that up), so the Referenced target would be B.
      const version = (await ok<any>('query ($id: ID!) { record(id: $id) { version } }', { id: hostA.recordId })).version;
      await ok('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }', { input: { recordId: hostA.recordId, version, referencedRecordId: shadowB.recordId } });
      const before = await rowsOf(hostA.recordId, shadowB.recordId);
      const tasksBefore = await ok<any>(RECORD, { id: hostA.recordId }, mallory.token);

      const custom = { name: 'Steal', script: 'CUSTOM_COMMAND', policyEvents: ['EVERY_N_DAYS'], schedule: { intervalDays: 1, anchorDate: '2026-01-01', timeOfDay: '03:00' }, scriptParameters: { command: 'id' } };
      const attempts = [
        ['shadow account B', ADD_RECORD_TASK, { recordId: hostA.recordId, task: { ...custom, shadowRecordId: shadowB.recordId } }],
        ['Shadow target B', ADD_RECORD_TASK, { recordId: hostA.recordId, task: { ...custom, targetRecord: 'SHADOW', shadowRecordId: shadowB.recordId } }],
        ['Referenced target B', ADD_RECORD_TASK, { recordId: hostA.recordId, task: { ...custom, targetRecord: 'REFERENCED' } }],
        ['edit to shadow B', UPDATE_TASK, { taskId: own.task.id, version: own.task.version, task: { ...custom, shadowRecordId: shadowB.recordId } }],
      ] as const;
      for (const [what, mutation, input] of attempts) {
        const result = await stack.graphql(mutation, { input }, mallory.token);
        expect([what, result.errors?.[0]?.extensions?.code]).toEqual([what, 'FORBIDDEN']);
      }
      // The answer for B is the answer for a record that does not exist: nothing about B leaks.
      const missing = randomUUID();
      const forB = await refusal(ADD_RECORD_TASK, { input: { recordId: hostA.recordId, task: { ...custom, shadowRecordId: shadowB.recordId } } }, mallory.token, shadowB.recordId);
      expect(await refusal(ADD_RECORD_TASK, { input: { recordId: hostA.recordId, task: { ...custom, shadowRecordId: missing } } }, mallory.token, missing)).toEqual(forB);
      expect((await stack.graphql(RECORD, { id: shadowB.recordId }, mallory.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      // Nor may she widen where B's credentials go.
      const widen = await stack.graphql(ADD_SHADOW_HOST, { input: { recordId: shadowB.recordId, host: 'evil.example.com', hostKeyFingerprint: testEnvironment().sshdFingerprint } }, mallory.token);
      expect(widen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

      expect(await rowsOf(hostA.recordId, shadowB.recordId)).toEqual(before);
      expect(await ok<any>(RECORD, { id: hostA.recordId }, mallory.token)).toEqual(tasksBefore);
    });

    it('an On Demand task that runs B’s task through its target needs Execute on B from whoever runs it', async () => {
      await ok(ADD_RECORD_TASK, { input: { recordId: hostA.recordId, task: { name: 'Verify via B', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'], targetRecord: 'REFERENCED' } } });
      // B needs a task with the same script for the target to be B.
      await ok(MAKE_UNIQUE, { input: { recordId: shadowB.recordId } });
      await ok(ADD_RECORD_TASK, { input: { recordId: shadowB.recordId, task: { name: 'Verify B', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] } } });
      const viaB = (await ok<any>(RECORD, { id: hostA.recordId })).tasks.find((entry: any) => entry.task.name === 'Verify via B').task.id;
      await ok(GRANT, { input: { recordId: hostA.recordId, userId: mallory.userId, permissions: ['TASK_CONTROL_MANAGE', 'EXECUTE'] } });
      const before = await rowsOf(hostA.recordId, shadowB.recordId);
      const refused = await stack.graphql('mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id } } }', { input: { recordId: hostA.recordId, taskId: viaB } }, mallory.token);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await rowsOf(hostA.recordId, shadowB.recordId)).toEqual(before);
    });

    it('pointing a record whose task targets its referenced record at another one needs Task Control: Manage on that one too', async () => {
      const pointer = await rotatable();
      const other = await rotatable();
      await ok(MAKE_UNIQUE, { input: { recordId: pointer.recordId } });
      await ok(ADD_RECORD_TASK, { input: { recordId: pointer.recordId, task: { name: 'Verify referenced', script: 'VERIFY_PASSWORD', policyEvents: ['EVERY_N_DAYS'], schedule: { intervalDays: 1, anchorDate: '2026-01-01', timeOfDay: '03:00' }, targetRecord: 'REFERENCED' } } });
      const editor = await signInUser();
      await ok(GRANT, { input: { recordId: pointer.recordId, userId: editor.userId, permissions: ['VIEW', 'EDIT'] } });
      await ok(GRANT, { input: { recordId: other.recordId, userId: editor.userId, permissions: ['VIEW', 'EDIT'] } });
      const point = async () => {
        const { version } = await ok<any>('query ($id: ID!) { record(id: $id) { version } }', { id: pointer.recordId });
        return stack.graphql<any>('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { referencedRecord { id } } } }', { input: { recordId: pointer.recordId, version, referencedRecordId: other.recordId } }, editor.token);
      };
      const before = await rowsOf(pointer.recordId, other.recordId);
      const refused = await point();
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.errors?.[0]?.message).toMatch(/Task Control: Manage permission on the target record/);
      expect((await ok<any>('query ($id: ID!) { record(id: $id) { referencedRecord { id } } }', { id: pointer.recordId })).referencedRecord).toBeNull();
      expect(await rowsOf(pointer.recordId, other.recordId)).toEqual(before);

      await ok(GRANT, { input: { recordId: other.recordId, userId: editor.userId, permissions: ['VIEW', 'EDIT', 'TASK_CONTROL_MANAGE'] } });
      expect(expectOk(await point()).updateRecord.record.referencedRecord).toEqual({ id: other.recordId });
    });

    it('B’s password never reaches A’s host: a job whose shadow account is not meant for the host fails with nothing sent', async () => {
      const env = testEnvironment();
      // The administrator sets B up as the shadow account of A's reset, allowing A's host on B...
      const allowed = await ok<any>(ADD_SHADOW_HOST, { input: { recordId: shadowB.recordId, host: env.sshdHost, port: env.sshdPort, hostKeyFingerprint: env.sshdFingerprint } });
      const reset = await ok<any>(ADD_RECORD_TASK, { input: { recordId: hostA.recordId, task: { name: 'Reset as B', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'], shadowRecordId: shadowB.recordId } } });
      // ...and while B does not list A's host, saving such a task is refused.
      await ok(REMOVE_SHADOW_HOST, { input: { shadowHostId: allowed.shadowHost.id } });
      const unsaved = await stack.graphql(ADD_RECORD_TASK, { input: { recordId: hostA.recordId, task: { name: 'Reset as B again', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'], shadowRecordId: shadowB.recordId } } }, admin);
      expect(unsaved.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // Mallory sees the task, but not whose account it uses.
      const listed = (await ok<any>(RECORD, { id: hostA.recordId }, mallory.token)).tasks.find((entry: any) => entry.task.id === reset.task.id);
      expect(listed.task.shadowRecord).toBeNull();

      expect(sshdLog()).not.toContain(shadowB.username);
      const refused = await finishedJob(stack, admin, (await runOnDemand(stack, admin, hostA.recordId, reset.task.id)).id);
      expect(refused.state).toBe('ERROR');
      expect(refused.result).toMatch(/not meant for .*nothing was sent/);
      // A's own account was tried afterwards (reconciling), B's never.
      await eventually(async () => (sshdLog().includes(hostA.username) ? true : undefined), 10_000, 'A’s reconcile in the sshd log');
      expect(sshdLog()).not.toContain(shadowB.username);

      // With A's host allowed again the same job logs in as B: the log would have shown it.
      await ok(ADD_SHADOW_HOST, { input: { recordId: shadowB.recordId, host: env.sshdHost, port: env.sshdPort, hostKeyFingerprint: env.sshdFingerprint } });
      const allowedRun = await finishedJob(stack, admin, (await runOnDemand(stack, admin, hostA.recordId, reset.task.id)).id);
      expect(allowedRun.state).toBe('COMPLETED');
      await eventually(async () => (sshdLog().includes(shadowB.username) ? true : undefined), 10_000, 'B’s login in the sshd log');
    });
  });

  it('check-out fires After Unlock as unlock does; later reveals keep the first reveal’s job, not postponed', async () => {
    const record = await rotatable({ script: 'VERIFY_PASSWORD' });
    await ok(MAKE_UNIQUE, { input: { recordId: record.recordId } });
    await ok(ADD_RECORD_TASK, { input: { recordId: record.recordId, task: { name: 'Rotate after reveal', script: 'VERIFY_PASSWORD', policyEvents: ['AFTER_UNLOCK'], minutesAfterUnlock: 60 } } });
    const unlockJobs = async () => (await ok<any>(JOBS, { filter: { recordId: record.recordId } })).edges.map((edge: any) => edge.node).filter((job: any) => job.triggerEvent === 'AFTER_UNLOCK');
    const requester = await signInUser();
    await ok(GRANT, { input: { recordId: record.recordId, userId: requester.userId, permissions: ['VIEW'] } });
    const checkOut = async () => {
      const request = (await ok<any>(REQUEST_ACCESS, { input: { recordId: record.recordId } }, requester.token)).request.id;
      await ok(APPROVE, { input: { requestId: request, durationMinutes: 30 } });
      return (await ok<any>(CHECK_OUT, { input: { requestId: request } }, requester.token)).password;
    };

    const firstReveal = Date.now();
    expect(await checkOut()).toBe(record.initialPassword);
    const [first, ...more] = await unlockJobs();
    expect(more).toEqual([]);
    expect(first).toMatchObject({ state: 'SCHEDULED' });
    expect(Date.parse(first.dueAt) - firstReveal).toBeGreaterThanOrEqual(59 * 60_000);
    expect(Date.parse(first.dueAt) - firstReveal).toBeLessThanOrEqual(61 * 60_000);

    // Unlocks (by an administrator, and by a user granted Unlock) and another check-out: still that one job, due as it was.
    const unlocker = await signInUser();
    await ok(GRANT, { input: { recordId: record.recordId, userId: unlocker.userId, permissions: ['UNLOCK'] } });
    await unlock(stack, admin, record.recordId);
    expect(await unlock(stack, unlocker.token, record.recordId)).toBe(record.initialPassword);
    await checkOut();
    expect(await unlockJobs()).toEqual([first]);
    // View alone reveals nothing.
    expect((await stack.graphql('mutation ($id: ID!) { unlockRecord(input: { recordId: $id }) { password } }', { id: record.recordId }, requester.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await ok(CANCEL_JOB, { input: { jobId: first.id } });
  });

  describe('session brokers', () => {
    const START = 'mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }';
    const END = 'mutation ($input: SessionRefInput!) { endSession(input: $input) { session { id endedAt } } }';

    async function afterSessionJobs(recordId: string): Promise<any[]> {
      return (await ok<any>(JOBS, { filter: { recordId } })).edges.map((edge: any) => edge.node).filter((job: any) => job.triggerEvent === 'AFTER_SESSION');
    }

    async function recordWithSessionTask(task: Record<string, unknown>): Promise<RotatableRecord> {
      const record = await rotatable({ script: 'VERIFY_PASSWORD' });
      await ok(ADD_TYPE_TASK, { input: { recordTypeId: await recordTypeOf(record.recordId), task: { name: 'After session', script: 'VERIFY_PASSWORD', policyEvents: ['AFTER_SESSION'], ...task } } });
      return record;
    }

    it('a broker ends only the sessions it started, and start/end loops queue at most one waiting job per task', async () => {
      // A time window that is closed now keeps the job waiting, so the loop can pile up if anything does.
      const hour = (new Date().getUTCHours() + 12) % 24;
      const record = await recordWithSessionTask({ timeWindow: { cron: `* ${hour} * * *`, timeZone: 'UTC' } });
      const broker = await stack.signIn([Role.SESSION_BROKER]);
      const otherBroker = await stack.signIn([Role.SESSION_BROKER]);
      const session = (await ok<any>(START, { input: { recordId: record.recordId } }, broker)).session.id;
      // Another broker's attempt finds nothing, exactly as for a session that does not exist.
      const missing = randomUUID();
      expect(await refusal(END, { input: { sessionId: session } }, otherBroker, session)).toEqual(await refusal(END, { input: { sessionId: missing } }, otherBroker, missing));
      expect((await refusal(END, { input: { sessionId: session } }, otherBroker, session)).code).toBe('NOT_FOUND');
      expect((await ok<any>(END, { input: { sessionId: session } }, broker)).session.endedAt).not.toBeNull();

      for (let round = 0; round < 10; round++) {
        const next = (await ok<any>(START, { input: { recordId: record.recordId } }, broker)).session.id;
        await ok(END, { input: { sessionId: next } }, broker);
      }
      const jobs = await afterSessionJobs(record.recordId);
      expect(jobs.map((job) => job.state)).toEqual(['SCHEDULED']);
      await ok(CANCEL_JOB, { input: { jobId: jobs[0].id } });
    });

    it('a session older than the maximum length counts as ended: a deferred job runs by its timer, with no endSession', async () => {
      const record = await recordWithSessionTask({ deferUntilSessionsEnd: true });
      const broker = await stack.signIn([Role.SESSION_BROKER]);
      const lost = (await ok<any>(START, { input: { recordId: record.recordId, subject: 'never ended' } }, broker)).session.id;
      // The maximum is an administrator's setting, guarded by its version. (Only refusals here: the
      // server settings row, and its version, are shared with other test files running meanwhile.)
      const UPDATE = 'mutation ($input: UpdateSessionSettingsInput!) { updateSessionSettings(input: $input) { settings { maxSessionMinutes version } } }';
      const current = await ok<any>('{ sessionSettings { maxSessionMinutes version } }', {});
      const { maxSessionMinutes } = current;
      expect((await stack.graphql(UPDATE, { input: current }, broker)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await stack.graphql(UPDATE, { input: { ...current, version: current.version - 1 } }, admin)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect((await stack.graphql(UPDATE, { input: { ...current, maxSessionMinutes: 0 } }, admin)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // Its broker lost track of it long ago: it runs out 30 seconds from now.
      const runsOutAt = Date.now() + 30_000;
      await stack.orm.em.fork().getConnection().execute('update sessions set started_at = ? where id = ?', [new Date(runsOutAt - maxSessionMinutes * 60_000), lost]);
      const ended = (await ok<any>(START, { input: { recordId: record.recordId } }, broker)).session.id;
      await ok(END, { input: { sessionId: ended } }, broker);
      const [deferred] = await eventually(async () => {
        const jobs = await afterSessionJobs(record.recordId);
        return jobs.length ? jobs : undefined;
      }, 30_000, 'the After Session job');
      const done = await finishedJob(stack, admin, deferred.id, 90_000);
      expect(done.state).toBe('COMPLETED');
      // It waited for the lost session to run out, and nothing but its timer woke it then.
      expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(runsOutAt);
      const active = await ok<any>('query ($id: ID!) { record(id: $id) { activeSessions { id } } }', { id: record.recordId });
      expect(active.activeSessions).toEqual([]);
    }, 150_000);
  });
});
