import { randomUUID } from 'node:crypto';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, scheduleRun, waitingOnTimer } from './harness/vault-fixtures';

const RUN = 'mutation ($input: JobActionInput!) { runJob(input: $input) { job { id state type } } }';
const CANCEL = 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { id state } } }';

describe('Job History actions: Run and Cancel', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
  });

  it('shows a job scheduled for later as Scheduled, with its time, until someone presses Run', async () => {
    const runAt = new Date(Date.now() + 10 * 60_000);
    const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, runAt);
    expect(scheduled.state).toBe('SCHEDULED');
    const waiting = await getJob(stack, token, scheduled.id);
    expect(Date.parse(waiting.scheduledFor)).toBe(runAt.getTime());
    expect(waiting.type).toBe('SCHEDULED');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await getJob(stack, token, scheduled.id)).state).toBe('SCHEDULED');

    const ran = await stack.graphql<any>(RUN, { input: { jobId: scheduled.id } }, token);
    expect(ran.data.runJob.job.type).toBe('MANUAL_RUN');
    const done = await finishedJob(stack, token, scheduled.id);
    expect(done).toMatchObject({ state: 'COMPLETED', type: 'MANUAL_RUN' });
    expect(Date.parse(done.startedAt)).toBeLessThan(runAt.getTime());
    expect(done.events.map((event: any) => event.message)).toContainEqual(expect.stringMatching(/^Run now by /));
  });

  it('Cancel removes a Scheduled job at once, and its workflow ends as cancelled in Temporal', async () => {
    const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + 10 * 60_000));
    // Cancelled within moments of its start, the workflow may read its plan after the cancel and end Completed, reporting the job Cancelled; a job waiting for its time is the case here.
    await waitingOnTimer(stack.client.workflow.getHandle(scheduled.workflowId));
    const cancelled = await stack.graphql<any>(CANCEL, { input: { jobId: scheduled.id } }, token);
    expect(cancelled.data.cancelJob.job.state).toBe('CANCELLED');
    const job = await getJob(stack, token, scheduled.id);
    expect(job.events.at(-1)).toMatchObject({ kind: 'CANCELLED', message: expect.stringMatching(/^Cancelled by /) });
    const status = await eventually(async () => {
      const { status: workflowStatus } = await stack.client.workflow.getHandle(scheduled.workflowId).describe();
      return workflowStatus.name === 'RUNNING' ? undefined : workflowStatus.name;
    }, 30_000, 'the workflow to close');
    expect(status).toBe('CANCELLED');
    expect((await getJob(stack, token, scheduled.id)).state).toBe('CANCELLED');
  });

  it('answers a retried Run or Cancel with the same idempotency key as the first call, acting once', async () => {
    // A record of its own, so the jobs made here leave the shared record's Job History as the filter test expects it.
    const own = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    try {
      const toRun = await scheduleRun(stack, token, own.recordId, own.taskId, new Date(Date.now() + 10 * 60_000));
      const runKey = randomUUID();
      const ran = await stack.graphql<any>(RUN, { input: { jobId: toRun.id, idempotencyKey: runKey } }, token);
      const runRetry = await stack.graphql<any>(RUN, { input: { jobId: toRun.id, idempotencyKey: runKey } }, token);
      expect(runRetry.errors).toBeUndefined();
      expect(runRetry.data.runJob.job.id).toBe(ran.data.runJob.job.id);
      const done = await finishedJob(stack, token, toRun.id);
      expect(done.events.filter((event: any) => /^Run now by /.test(event.message))).toHaveLength(1);
      // Without the key, the retry is a second Run, refused because the job has run.
      expect((await stack.graphql(RUN, { input: { jobId: toRun.id } }, token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');

      const toCancel = await scheduleRun(stack, token, own.recordId, own.taskId, new Date(Date.now() + 10 * 60_000));
      const cancelKey = randomUUID();
      const cancelled = await stack.graphql<any>(CANCEL, { input: { jobId: toCancel.id, idempotencyKey: cancelKey } }, token);
      expect(cancelled.data.cancelJob.job.state).toBe('CANCELLED');
      const cancelRetry = await stack.graphql<any>(CANCEL, { input: { jobId: toCancel.id, idempotencyKey: cancelKey } }, token);
      expect(cancelRetry.errors).toBeUndefined();
      expect(cancelRetry.data.cancelJob.job).toEqual({ id: toCancel.id, state: 'CANCELLED' });
      expect((await getJob(stack, token, toCancel.id)).events.filter((event: any) => event.kind === 'CANCELLED')).toHaveLength(1);
      // The same key for another job is another call: refused, not answered with the first job.
      const other = await scheduleRun(stack, token, own.recordId, own.taskId, new Date(Date.now() + 10 * 60_000));
      expect((await stack.graphql(CANCEL, { input: { jobId: other.id, idempotencyKey: cancelKey } }, token)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      await stack.graphql(CANCEL, { input: { jobId: other.id } }, token);
    } finally {
      await own.removeUser();
    }
  });

  it('refuses actions that make no sense for the job, with a clear error and no change', async () => {
    const completed = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(completed.state).toBe('COMPLETED');
    const runAgain = await stack.graphql(RUN, { input: { jobId: completed.id } }, token);
    expect(runAgain.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('Completed') });
    const cancelCompleted = await stack.graphql(CANCEL, { input: { jobId: completed.id } }, token);
    expect(cancelCompleted.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('already ended') });
    expect((await getJob(stack, token, completed.id)).events).toHaveLength(completed.events.length);

    const unknown = await stack.graphql(RUN, { input: { jobId: randomUUID() } }, token);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const past = await stack.graphql(
      'mutation ($input: ScheduleTaskRunInput!) { scheduleTaskRun(input: $input) { job { id } } }',
      { input: { recordId: record.recordId, taskId: record.taskId, runAt: new Date(Date.now() - 3_600_000).toISOString() } },
      token,
    );
    expect(past.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('past') });
  });

  it('lets only System Administrators act on jobs', async () => {
    const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + 10 * 60_000));
    const plain = await stack.signIn([]);
    for (const mutation of [RUN, CANCEL]) {
      expect((await stack.graphql(mutation, { input: { jobId: scheduled.id } }, plain)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await stack.graphql(mutation, { input: { jobId: scheduled.id } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect((await getJob(stack, token, scheduled.id)).state).toBe('SCHEDULED');
    await stack.graphql(CANCEL, { input: { jobId: scheduled.id } }, token);
  });

  it('filters Job History by state, type, record, task, node and time, newest first, page by page', async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const query = `query ($filter: JobFilterInput, $after: String) {
      jobs(first: 2, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { id state type createdAt } } }
    }`;
    const filter = { recordId: record.recordId, taskId: record.taskId, nodeName: 'local', createdAfter: since };
    const first = await stack.graphql<any>(query, { filter }, token);
    expect(first.data.jobs.totalCount).toBeGreaterThanOrEqual(4);
    expect(first.data.jobs.pageInfo.hasNextPage).toBe(true);
    const second = await stack.graphql<any>(query, { filter, after: first.data.jobs.pageInfo.endCursor }, token);
    const nodes = [...first.data.jobs.edges, ...second.data.jobs.edges].map((edge: any) => edge.node);
    expect(new Set(nodes.map((node: any) => node.id)).size).toBe(nodes.length);
    const times = nodes.map((node: any) => Date.parse(node.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const cancelled = await stack.graphql<any>(query, { filter: { ...filter, states: ['CANCELLED'], types: ['SCHEDULED'] } }, token);
    expect(cancelled.data.jobs.edges.map((edge: any) => edge.node.state)).toEqual(cancelled.data.jobs.edges.map(() => 'CANCELLED'));
    expect(cancelled.data.jobs.totalCount).toBe(2);
    const future = await stack.graphql<any>(query, { filter: { ...filter, createdAfter: new Date(Date.now() + 60_000).toISOString() } }, token);
    expect(future.data.jobs.totalCount).toBe(0);
  });
});
