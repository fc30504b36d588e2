import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Role } from '../lib/enums';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { createRotatableRecord, getJob, type RotatableRecord, runOnDemand } from './harness/vault-fixtures';

const RECORD = 'query ($id: ID!) { record(id: $id) { version recordType { id } } }';
const ADD_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }';
const RECORD_JOBS = 'query ($id: ID!) { record(id: $id) { jobs(first: 20) { edges { node { id state task { id } } } } } }';
const START_SESSION = 'mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }';
const END_SESSION = 'mutation ($input: SessionRefInput!) { endSession(input: $input) { session { endedAt } } }';
const CANCEL = 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }';
const MINUTE = 60_000;

/**
 * A job that came due inside its task's time window but waited (for the account lock, or for
 * sessions to end) until the window had closed does not start outside it: it waits for the next
 * opening, and Job History says so. The window here is one minute long.
 */
describe('time windows after waiting for the account lock or for sessions to end', () => {
  let stack: StewardStack;
  let token: string;
  let broker: string;
  const records: RotatableRecord[] = [];

  const ok = async (query: string, variables: Record<string, unknown> = {}, as = token) => {
    const result = await stack.graphql<any>(query, variables, as);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const recordTypeOf = async (record: RotatableRecord): Promise<string> => (await ok(RECORD, { id: record.recordId })).record.recordType.id;
  const addTask = async (record: RotatableRecord, task: Record<string, unknown>): Promise<string> =>
    (await ok(ADD_TASK, { input: { recordTypeId: await recordTypeOf(record), task } })).addRecordTypeTask.task.id;
  const jobOfTask = (record: RotatableRecord, taskId: string) =>
    eventually(async () => (await ok(RECORD_JOBS, { id: record.recordId })).record.jobs.edges.map((edge: any) => edge.node).find((job: any) => job.task?.id === taskId), 30_000, 'the event job');
  const until = (instant: number, what: string) => eventually(async () => (Date.now() >= instant ? true : undefined), instant - Date.now() + 10_000, what, 250);

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    broker = await stack.signIn([Role.SESSION_BROKER]);
  });

  afterAll(async () => {
    for (const record of records) await record.removeUser();
    await stack?.stop();
  });

  it('a job granted the lock, or whose last session ended, after its window closed waits for the next opening and says why', async () => {
    const locked = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    const deferred = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    records.push(locked, deferred);
    // Another job holds the account: a command that sleeps on the host until it is cancelled.
    const holderTask = await addTask(locked, { name: 'Hold the account', script: 'CUSTOM_COMMAND', policyEvents: ['ON_DEMAND'], scriptParameters: { command: 'sleep 300' } });
    const holder = await runOnDemand(stack, token, locked.recordId, holderTask);
    await eventually(async () => ((await getJob(stack, token, holder.id)).state === 'RUNNING' ? true : undefined), 30_000, 'the holder to run');
    const [first, second] = await Promise.all([0, 1].map(async () => (await ok(START_SESSION, { input: { recordId: deferred.recordId } }, broker)).startSession.session.id));

    // The window is the current minute (UTC); near its end, the next one, so there is time to set up.
    if (Date.now() % MINUTE > 50_000) await until(Math.ceil(Date.now() / MINUTE) * MINUTE, 'the next minute');
    const opened = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
    const window = { cron: `${opened.getUTCMinutes()} ${opened.getUTCHours()} * * *`, timeZone: 'UTC' };
    const nextOpening = new Date(opened.getTime() + 24 * 60 * MINUTE).toISOString();
    const onChange = await addTask(locked, { name: 'Verify after a change', script: 'VERIFY_PASSWORD', policyEvents: ['AFTER_RECORD_CHANGE'], timeWindow: window });
    const afterSession = await addTask(deferred, { name: 'Verify after sessions', script: 'VERIFY_PASSWORD', policyEvents: ['AFTER_SESSION'], deferUntilSessionsEnd: true, timeWindow: window });
    const { version } = (await ok(RECORD, { id: locked.recordId })).record;
    await ok('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }', { input: { recordId: locked.recordId, version, name: uniqueName('changed') } });
    await ok(END_SESSION, { input: { sessionId: first } }, broker);

    // Both are due now, inside the window: one queues for the account, the other for the last session.
    const lockWaiter = await jobOfTask(locked, onChange);
    const sessionWaiter = await jobOfTask(deferred, afterSession);
    await eventually(async () => ((await getJob(stack, token, lockWaiter.id)).events.some((event: any) => event.message.startsWith(`Waiting for ${holder.workflowId}`)) ? true : undefined), 30_000, 'the job to queue for the lock');
    expect(Date.now()).toBeLessThan(opened.getTime() + MINUTE);

    // The window closes; then the account is free and the last session ends.
    await until(opened.getTime() + MINUTE + 500, 'the window to close');
    await ok(CANCEL, { input: { jobId: holder.id } });
    await ok(END_SESSION, { input: { sessionId: second } }, broker);

    const reason = `Outside the time window: waiting for its next opening at ${nextOpening}`;
    for (const waiter of [lockWaiter, sessionWaiter]) {
      const held = await eventually(async () => {
        const job = await getJob(stack, token, waiter.id);
        return job.events.some((event: any) => event.message === reason) ? job : undefined;
      }, 30_000, `job ${waiter.id} to wait for the next opening`);
      expect(held).toMatchObject({ state: 'SCHEDULED', scheduledFor: nextOpening, startedAt: null });
      expect(held.events.map((event: any) => event.kind)).not.toContain('STARTED');
      await ok(CANCEL, { input: { jobId: waiter.id } });
    }
    // RECORD_HISTORIES=<name> keeps the lock waiter's history for the replay test as test/histories/vault-task-job-<name>.json.
    if (process.env.RECORD_HISTORIES) {
      const handle = stack.client.workflow.getHandle(`job-${lockWaiter.id}`);
      await handle.result().catch(() => undefined);
      writeFileSync(path.join(__dirname, 'histories', `vault-task-job-${process.env.RECORD_HISTORIES}.json`), historyToJSON(await handle.fetchHistory()));
    }
  });
});
