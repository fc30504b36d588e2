import { Role } from '../lib/enums';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord } from './harness/vault-fixtures';

const TYPE_TASKS = `query ($id: ID!) { record(id: $id) { recordType { id } tasks { task { id version } } } }`;
const ADD_TASK = `mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }`;
const RECORD_JOBS = `query ($id: ID!) { record(id: $id) { jobs(first: 50) { edges { node { id state type triggerEvent } } } } }`;

describe('access requests and sessions fire their policy events', () => {
  let stack: StewardStack;
  let admin: string;
  const records: RotatableRecord[] = [];

  async function recordWithEventTask(events: string[], extra: Record<string, unknown> = {}): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, admin, { script: 'VERIFY_PASSWORD' });
    records.push(record);
    const type = await stack.graphql<any>(TYPE_TASKS, { id: record.recordId }, admin);
    const added = await stack.graphql<any>(
      ADD_TASK,
      { input: { recordTypeId: type.data.record.recordType.id, task: { name: `On ${events.join(' ')}`, script: 'VERIFY_PASSWORD', policyEvents: events, ...extra } } },
      admin,
    );
    expect(added.errors).toBeUndefined();
    return record;
  }

  /** A user with no role who may view the record: enough to ask for access to it. */
  async function requesterOf(recordId: string): Promise<string> {
    const token = await stack.signIn([]);
    const userId = (await stack.graphql<any>('{ me { id } }', {}, token)).data.me.id;
    const granted = await stack.graphql(
      'mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { id } } }',
      { input: { recordId, userId, permissions: ['VIEW'] } },
      admin,
    );
    expect(granted.errors).toBeUndefined();
    return token;
  }

  async function eventJobs(recordId: string, event: string): Promise<any[]> {
    const result = await stack.graphql<any>(RECORD_JOBS, { id: recordId }, admin);
    return result.data.record.jobs.edges.map((edge: any) => edge.node).filter((job: any) => job.triggerEvent === event);
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    for (const record of records) await record.removeUser();
    await stack?.stop();
  });

  it('approval, check-out and check-in: a durable request that fires After Approval and After Check-In', async () => {
    const record = await recordWithEventTask(['AFTER_APPROVAL', 'AFTER_CHECK_IN']);
    const requester = await requesterOf(record.recordId);
    const requested = await stack.graphql<any>(
      'mutation ($input: RequestAccessInput!) { requestAccess(input: $input) { request { id state workflowId } } }',
      { input: { recordId: record.recordId, reason: 'maintenance' } },
      requester,
    );
    const request = requested.data.requestAccess.request;
    expect(request).toMatchObject({ state: 'PENDING', workflowId: `access-request-${request.id}` });

    // Nobody approves their own request.
    const selfApprover = await stack.signIn(ADMIN_ROLES);
    const own = await stack.graphql<any>(
      'mutation ($input: RequestAccessInput!) { requestAccess(input: $input) { request { id } } }',
      { input: { recordId: record.recordId } },
      selfApprover,
    );
    const selfApproval = await stack.graphql('mutation ($input: ApproveAccessInput!) { approveAccessRequest(input: $input) { request { state } } }', { input: { requestId: own.data.requestAccess.request.id, durationMinutes: 5 } }, selfApprover);
    expect(selfApproval.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await stack.graphql('mutation ($input: AccessRequestRefInput!) { denyAccessRequest(input: $input) { request { state } } }', { input: { requestId: own.data.requestAccess.request.id } }, admin);

    const approved = await stack.graphql<any>(
      'mutation ($input: ApproveAccessInput!) { approveAccessRequest(input: $input) { request { state expiresAt } } }',
      { input: { requestId: request.id, durationMinutes: 30 } },
      admin,
    );
    expect(approved.data.approveAccessRequest.request.state).toBe('APPROVED');
    const approvalJob = await eventually(async () => (await eventJobs(record.recordId, 'AFTER_APPROVAL'))[0], 30_000, 'the After Approval job');
    expect((await finishedJob(stack, admin, approvalJob.id)).state).toBe('COMPLETED');

    const checkedOut = await stack.graphql<any>('mutation ($input: AccessRequestRefInput!) { checkOutRecord(input: $input) { request { state } password } }', { input: { requestId: request.id } }, requester);
    expect(checkedOut.data.checkOutRecord).toMatchObject({ request: { state: 'CHECKED_OUT' }, password: record.initialPassword });
    // The check-out and the reveal it makes are each audited once, with who did it; the password is in neither.
    const audited = await stack.orm.em.fork().getConnection().execute<{ action: string; target_id: string; actor_id: string; details: unknown }[]>(
      `select action, target_id, actor_id, details from audit_events where action in ('checkOutRecord', 'unlockRecord') and target_id in (?, ?) and outcome = 'SUCCESS' order by action`,
      [request.id, record.recordId],
    );
    const requesterId = (await stack.graphql<any>('{ me { id } }', {}, requester)).data.me.id;
    expect(audited.map(({ action, target_id, actor_id }) => ({ action, target_id, actor_id }))).toEqual([
      { action: 'checkOutRecord', target_id: request.id, actor_id: requesterId },
      { action: 'unlockRecord', target_id: record.recordId, actor_id: requesterId },
    ]);
    expect(JSON.stringify(audited)).not.toContain(record.initialPassword);
    const checkedIn = await stack.graphql<any>('mutation ($input: AccessRequestRefInput!) { checkInRecord(input: $input) { request { state } } }', { input: { requestId: request.id } }, requester);
    expect(checkedIn.data.checkInRecord.request.state).toBe('CHECKED_IN');
    const checkInJob = await eventually(async () => (await eventJobs(record.recordId, 'AFTER_CHECK_IN'))[0], 30_000, 'the After Check-In job');
    expect((await finishedJob(stack, admin, checkInJob.id)).state).toBe('COMPLETED');
    const status = await eventually(async () => {
      const { status: workflowStatus } = await stack.client.workflow.getHandle(request.workflowId).describe();
      return workflowStatus.name === 'RUNNING' ? undefined : workflowStatus.name;
    }, 30_000, 'the request workflow to end');
    expect(status).toBe('COMPLETED');
    expect(await eventJobs(record.recordId, 'AFTER_EXPIRE')).toHaveLength(0);
  });

  it('an approval that runs out without a check-in expires by timer and fires After Expire', async () => {
    const record = await recordWithEventTask(['AFTER_EXPIRE']);
    const requester = await requesterOf(record.recordId);
    const requested = await stack.graphql<any>('mutation ($input: RequestAccessInput!) { requestAccess(input: $input) { request { id } } }', { input: { recordId: record.recordId } }, requester);
    const requestId = requested.data.requestAccess.request.id;
    await stack.graphql('mutation ($input: ApproveAccessInput!) { approveAccessRequest(input: $input) { request { id } } }', { input: { requestId, durationMinutes: 1 } }, admin);
    const expired = await eventually(async () => (await eventJobs(record.recordId, 'AFTER_EXPIRE'))[0], 100_000, 'the After Expire job');
    expect((await finishedJob(stack, admin, expired.id)).state).toBe('COMPLETED');
    const state = await stack.graphql<any>(`query ($id: ID!) { accessRequests(recordId: $id) { id state } }`, { id: record.recordId }, admin);
    expect(state.data.accessRequests).toEqual([{ id: requestId, state: 'EXPIRED' }]);
  });

  it('After Session with deferral waits, signal-driven, until the last session in the reference group ends', async () => {
    const record = await recordWithEventTask(['AFTER_SESSION'], { deferUntilSessionsEnd: true });
    const sibling = await createRotatableRecord(stack, admin, { script: 'VERIFY_PASSWORD' });
    records.push(sibling);
    // Both reference a third record, so their sessions count together.
    const reference = await createRotatableRecord(stack, admin, { script: 'VERIFY_PASSWORD' });
    records.push(reference);
    for (const member of [record, sibling]) {
      const current = await stack.graphql<any>(`query ($id: ID!) { record(id: $id) { version } }`, { id: member.recordId }, admin);
      const updated = await stack.graphql<any>(
        'mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { referencedRecord { id } } } }',
        { input: { recordId: member.recordId, version: current.data.record.version, referencedRecordId: reference.recordId } },
        admin,
      );
      expect(updated.data.updateRecord.record.referencedRecord.id).toBe(reference.recordId);
    }
    const broker = await stack.signIn([Role.SESSION_BROKER]);
    const start = (recordId: string) =>
      stack.graphql<any>('mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }', { input: { recordId, subject: 'alice' } }, broker);
    const end = (sessionId: string) => stack.graphql<any>('mutation ($input: SessionRefInput!) { endSession(input: $input) { session { endedAt } } }', { input: { sessionId } }, broker);

    const first = (await start(record.recordId)).data.startSession.session.id;
    const second = (await start(record.recordId)).data.startSession.session.id;
    const onSibling = (await start(sibling.recordId)).data.startSession.session.id;

    await end(first);
    const deferred = await eventually(async () => (await eventJobs(record.recordId, 'AFTER_SESSION'))[0], 30_000, 'the After Session job');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await getJob(stack, admin, deferred.id)).state).toBe('SCHEDULED');

    await end(second);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await getJob(stack, admin, deferred.id)).state).toBe('SCHEDULED');
    // Still one waiting job, not one per ended session.
    expect(await eventJobs(record.recordId, 'AFTER_SESSION')).toHaveLength(1);

    await end(onSibling);
    const done = await finishedJob(stack, admin, deferred.id, 60_000);
    expect(done.state).toBe('COMPLETED');
    expect(Date.parse(done.startedAt)).toBeGreaterThan(Date.parse(done.scheduledFor) + 5000);

    const plain = await stack.signIn([]);
    expect((await stack.graphql('mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }', { input: { recordId: record.recordId } }, plain)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
