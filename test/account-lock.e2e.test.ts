import { createHash, createHmac, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { canLogin } from '../infra/ssh';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand, scheduleRun, sshTarget, unlock, waitingOnTimer } from './harness/vault-fixtures';

describe('no two jobs change one account at once', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;
  let jobWorkflowIds: string[] = [];

  async function historyOf(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
    const { history } = await stack.client.workflowService.getWorkflowExecutionHistory({ namespace: testEnvironment().temporalNamespace, execution: { workflowId } });
    return history!;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token);
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
  });

  it('queues the later rotation behind the earlier one, says why in Job History, and both succeed', async () => {
    const queued = await Promise.all([1, 2, 3].map(() => runOnDemand(stack, token, record.recordId, record.taskId)));
    const jobs = await Promise.all(queued.map((job) => finishedJob(stack, token, job.id, 120_000)));
    jobWorkflowIds = jobs.map((job) => job.workflowId);
    expect(jobs.map((job) => job.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

    // Their running times never overlap.
    const intervals = jobs
      .map((job) => ({ id: job.id, start: Date.parse(job.startedAt), end: Date.parse(job.finishedAt) }))
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);

    // The ones that waited say whom they waited for.
    const waitMessages = jobs.flatMap((job) => job.events.map((event: { message: string }) => event.message)).filter((message: string) => message.startsWith('Waiting for job-'));
    expect(waitMessages.length).toBeGreaterThanOrEqual(1);
    expect(waitMessages[0]).toContain(`${record.username}@`);

    // Three rotations, three retired passwords, and the vault's password works.
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>('select count(*) from password_history where record_id = ?', [record.recordId]);
    expect(Number(row!.count)).toBe(3);
    await expect(canLogin(sshTarget(record.username, await unlock(stack, token, record.recordId)))).resolves.toBe(true);
  });

  it('asks for the lock by update: a job that finds it free holds it from the answer, and the ones that wait are granted by signal', async () => {
    const grantSignals = async (workflowId: string) =>
      (await historyOf(workflowId)).events!.filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'accountGranted').length;
    const received = await Promise.all(jobWorkflowIds.map(grantSignals));
    // Of the three queued at once, the first to ask found the lock free; the others waited for it.
    expect(received.filter((count) => count === 0).length).toBeGreaterThanOrEqual(1);
    expect(received.filter((count) => count === 1).length).toBeGreaterThanOrEqual(1);
    expect(received.every((count) => count <= 1)).toBe(true);
    const releasedTo = (await historyOf(jobWorkflowIds[0]!)).events!.map((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId).find(Boolean)!;
    const updates = (await historyOf(releasedTo)).events!.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updates.map((event) => event.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.name)).toEqual(['acquireLock', 'acquireLock', 'acquireLock']);
  });

  it('names the lock by a keyed digest of the account, and keeps the account out of the clear in Temporal', async () => {
    const { sshdHost, sshdPort } = testEnvironment();
    const account = `${record.username}@${sshdHost}:${sshdPort}`;
    const [settings] = await stack.orm.em.fork().getConnection().execute<{ lock_key: string }[]>('select lock_key from server_settings');
    expect(settings!.lock_key).toMatch(/^[0-9a-f]{64}$/);
    // The same account gives the same lock, whichever record holds it; without the installation's key, a guessed account cannot be confirmed.
    const expected = `account-lock-${createHmac('sha256', settings!.lock_key).update(account).digest('hex')}`;
    expect(expected).not.toBe(`account-lock-${createHash('sha256').update(account).digest('hex')}`);
    for (const workflowId of jobWorkflowIds) {
      const released = (await historyOf(workflowId)).events!.map((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId);
      expect(released).toContain(expected);
    }

    const lockHistory = await historyOf(expected);
    const [started] = lockHistory.events!;
    expect(started!.workflowExecutionStartedEventAttributes!.workflowType!.name).toBe('resourceLock');
    // Its summary names the account, encrypted like any payload.
    expect(new TextDecoder().decode(started!.userMetadata!.summary!.metadata![METADATA_ENCODING_KEY]!)).toBe('binary/encrypted');
    for (const workflowId of [expected, ...jobWorkflowIds]) {
      const stored = Buffer.from(temporal.api.history.v1.History.encode(await historyOf(workflowId)).finish());
      expect(stored.includes(Buffer.from(record.username))).toBe(false);
    }
  });
  it('a job looks its account lock up again when it comes due: one planned under an earlier lock name takes the current one', async () => {
    const { sshdHost, sshdPort } = testEnvironment();
    const lockUnder = (key: string) => `account-lock-${createHmac('sha256', key).update(`${record.username}@${sshdHost}:${sshdPort}`).digest('hex')}`;
    // Due within the dispatcher's lead, so its workflow starts and is planned at once, then sleeps on its timer.
    const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + 15_000));
    await waitingOnTimer(stack.client.workflow.getHandle(scheduled.workflowId), 15_000);
    // Meanwhile the locks are renamed, as an upgrade that changed their naming did.
    const connection = stack.orm.em.fork().getConnection();
    const [{ lock_key: before }] = await connection.execute<{ lock_key: string }[]>('select lock_key from server_settings');
    const renamed = randomBytes(32).toString('hex');
    await connection.execute('update server_settings set lock_key = ?', [renamed]);
    try {
      expect((await finishedJob(stack, token, scheduled.id, 90_000)).state).toBe('COMPLETED');
      const released = (await historyOf(scheduled.workflowId)).events!.map((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId).filter(Boolean);
      expect(released).toEqual([lockUnder(renamed)]);
      expect(lockUnder(renamed)).not.toBe(lockUnder(before));
    } finally {
      await connection.execute('update server_settings set lock_key = ?', [before]);
    }
  });
});
