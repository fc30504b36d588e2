import { execFileSync } from 'node:child_process';
import { ScheduleNotFoundError } from '@temporalio/client';
import { Job, JobType } from '../db/entities';
import { createServices } from '../services';
import type { ReconcileProgress } from '../services/jobs/reconciler';
import { TemporalJobLauncher } from '../temporal/temporal-job-launcher';
import { temporalPorts } from '../temporal/ports';
import { ensureJobReconciliationSchedule, JOB_RECONCILIATION_SCHEDULE } from '../temporal/maintenance';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, getJob, type RotatableRecord, scheduleRun, waitingOnTimer } from './harness/vault-fixtures';

const TEN_MINUTES = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real `temporal` binary, the way an operator would use it. */
function temporalCli(...args: string[]): string {
  const env = testEnvironment();
  return execFileSync(env.temporalCli, [...args, '--address', env.temporalAddress, '--namespace', env.temporalNamespace], { encoding: 'utf8' });
}

/** Polls Job History closely (every 50 ms) so the time it takes to show a state can be measured. */
async function stateShows(stack: StewardStack, token: string, jobId: string, state: string, timeoutMs = 90_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(stack, token, jobId);
    if (job.state === state) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not become ${state} within ${timeoutMs} ms; it is ${job.state}`);
    await sleep(50);
  }
}

/** A job whose start never reached Temporal: its row is there, made a minute ago, but its workflow never was. */
async function jobWithoutWorkflow(stack: StewardStack, record: RotatableRecord): Promise<{ id: string; workflowId: string }> {
  const em = stack.orm.em.fork();
  const job = em.create(Job, {
    record: record.recordId,
    task: record.taskId,
    taskName: 'Verify password',
    type: JobType.ON_DEMAND,
    nodeName: 'local',
    workflowId: '',
    createdAt: new Date(Date.now() - 60_000),
  });
  job.workflowId = `job-${job.id}`;
  await em.flush();
  return { id: job.id, workflowId: job.workflowId };
}

async function listWorkflowIds(stack: StewardStack, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids.sort();
}

describe('Steward and Temporal agree on how jobs end', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;
  let cancelledWorkflowId: string;
  const terminatedWorkflowIds: string[] = [];

  let databaseUrl: string | undefined;

  beforeAll(async () => {
    // A database of its own: the reconciliation the schedule runs passes over every node with
    // pending passwords in its database, and an earlier file's node with no worker held each run a minute.
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_agreement_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ databaseUrl });
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  it('shows a Scheduled job cancelled with `temporal workflow cancel` as Cancelled in Job History', async () => {
    const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + TEN_MINUTES));
    const handle = stack.client.workflow.getHandle(scheduled.workflowId);
    await waitingOnTimer(handle);

    const cancelledAt = Date.now();
    temporalCli('workflow', 'cancel', '--workflow-id', scheduled.workflowId);
    const cliReturnedAt = Date.now();
    const job = await stateShows(stack, token, scheduled.id, 'CANCELLED');
    const shownAt = Date.now();
    console.log(
      `a job cancelled with the Temporal CLI showed as Cancelled in Job History ${shownAt - cancelledAt} ms after the CLI was started ` +
        `(${shownAt - cliReturnedAt} ms after it returned)`,
    );

    expect(job).toMatchObject({ state: 'CANCELLED', result: 'Cancelled', startedAt: null });
    expect(job.finishedAt).not.toBeNull();
    expect(job.events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED', 'QUEUED', 'CANCELLED']);

    const description = await eventually(async () => {
      const described = await handle.describe();
      return described.status.name === 'CANCELLED' ? described : undefined;
    }, 30_000, 'the workflow to close as cancelled');
    const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map(({ key, value }) => [key.name, value]));
    expect(attributes).toMatchObject({ StewardRecordId: record.recordId, StewardJobState: 'CANCELLED', StewardNodeName: 'local' });
    cancelledWorkflowId = scheduled.workflowId;
  });

  it('reconciles a Scheduled job terminated with `temporal workflow terminate` to Cancelled', async () => {
    const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + TEN_MINUTES));
    const handle = stack.client.workflow.getHandle(scheduled.workflowId);
    await waitingOnTimer(handle);

    temporalCli('workflow', 'terminate', '--workflow-id', scheduled.workflowId, '--reason', 'terminated by the temporal-agreement test');
    terminatedWorkflowIds.push(scheduled.workflowId);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    // The workflow's code never learns of a termination: Job History still says Scheduled.
    await sleep(2_000);
    expect((await getJob(stack, token, scheduled.id)).state).toBe('SCHEDULED');

    // The grace period keeps the reconciler away from jobs of other test files that were created a
    // moment ago and whose workflows are not started yet (they share this database).
    const graceMs = 1_000;
    const { reconciler } = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));
    const reconcileStarted = Date.now();
    const changed = await reconciler.reconcileOpenJobs(graceMs);
    console.log(`reconcileOpenJobs(${graceMs}) changed ${changed} job(s) in ${Date.now() - reconcileStarted} ms`);
    expect(changed).toBeGreaterThanOrEqual(1);

    const job = await getJob(stack, token, scheduled.id);
    expect(job).toMatchObject({ state: 'CANCELLED', result: 'Terminated in Temporal', startedAt: null });
    expect(job.events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED', 'QUEUED', 'CANCELLED']);

    // A second pass finds nothing left to do for it.
    await createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey)).reconciler.reconcileOpenJobs(graceMs);
    expect(await getJob(stack, token, scheduled.id)).toMatchObject({ state: 'CANCELLED', result: 'Terminated in Temporal' });
  });

  it('reconciles a terminated job through the steward-job-reconciliation schedule', async () => {
    const scheduleHandle = stack.client.schedule.getHandle(JOB_RECONCILIATION_SCHEDULE);
    const existed = await scheduleHandle.describe().then(
      () => true,
      (error: unknown) => {
        if (error instanceof ScheduleNotFoundError) return false;
        throw error;
      },
    );
    await ensureJobReconciliationSchedule(stack.client, 'steward.local');
    try {
      const description = await scheduleHandle.describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'jobReconciliation', taskQueue: 'steward.local' });

      const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + TEN_MINUTES));
      const handle = stack.client.workflow.getHandle(scheduled.workflowId);
      await waitingOnTimer(handle);
      temporalCli('workflow', 'terminate', '--workflow-id', scheduled.workflowId, '--reason', 'terminated by the temporal-agreement test');
      terminatedWorkflowIds.push(scheduled.workflowId);

      // The scheduled reconciliation leaves jobs younger than 10 s alone, and skips a trigger while
      // a run is in progress: trigger until it has caught this job.
      const started = Date.now();
      let triggers = 0;
      const job = await eventually(async () => {
        const current = await getJob(stack, token, scheduled.id);
        if (current.state !== 'SCHEDULED') return current;
        await scheduleHandle.trigger();
        triggers++;
        await sleep(2_000);
        return undefined;
      }, 60_000, 'the scheduled reconciliation to end the terminated job');
      console.log(`the schedule's reconciliation ended the terminated job ${Date.now() - started} ms after termination (${triggers} trigger(s))`);
      expect(job).toMatchObject({ state: 'CANCELLED', result: 'Terminated in Temporal' });

      const runs = await listWorkflowIds(stack, `WorkflowType = "jobReconciliation" AND TemporalScheduledById = "${JOB_RECONCILIATION_SCHEDULE}"`);
      expect(runs.length).toBeGreaterThan(0);
      // Each run then settles the pending passwords rotations left behind, on each node's queue, and notes the remote nodes seen.
      const latest = await stack.client.workflow.getHandle(runs[runs.length - 1]!).result();
      expect(latest).toEqual({ changed: expect.any(Number), schedulesStarted: expect.any(Number), pendingPasswordsSettled: expect.any(Number), nodesSeen: expect.any(Number) });
    } finally {
      // Created only for this test: it must not keep reconciling other test files' jobs every minute.
      if (!existed) await scheduleHandle.delete();
    }
  });

  it('reconciles a batch in which one job has no workflow at all: its workflow is found missing, the others keep to Temporal', async () => {
    const running = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + TEN_MINUTES));
    const terminated = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + TEN_MINUTES));
    await waitingOnTimer(stack.client.workflow.getHandle(running.workflowId));
    await waitingOnTimer(stack.client.workflow.getHandle(terminated.workflowId));
    temporalCli('workflow', 'terminate', '--workflow-id', terminated.workflowId, '--reason', 'terminated by the temporal-agreement test');
    terminatedWorkflowIds.push(terminated.workflowId);
    const lost = await jobWithoutWorkflow(stack, record);

    // One visibility query for the batch; only the workflow it does not list is described.
    const launcher = new TemporalJobLauncher(stack.client);
    const batch = [running.workflowId, terminated.workflowId, lost.workflowId];
    const statuses = await eventually(async () => {
      const seen = await launcher.workflowStatuses(batch);
      return seen.get(terminated.workflowId) === 'TERMINATED' ? seen : undefined;
    }, 30_000, 'visibility to list the terminated workflow');
    expect(statuses).toEqual(new Map([[running.workflowId, 'RUNNING'], [terminated.workflowId, 'TERMINATED'], [lost.workflowId, 'NOT_FOUND']]));

    // As if all three were made a minute ago, past the grace the reconciler gives starting workflows.
    await stack.orm.em.fork().execute(`update jobs set created_at = now() - interval '1 minute' where id in (?, ?)`, [running.id, terminated.id]);
    const progress: ReconcileProgress[] = [];
    const { reconciler } = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));
    // A run of the schedule the previous test triggered may still be finishing and take one of them first.
    await reconciler.reconcileOpenJobs(1_000, (batchDone) => progress.push({ ...batchDone }));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[progress.length - 1]!.checked).toBeGreaterThanOrEqual(3);

    expect(await getJob(stack, token, running.id)).toMatchObject({ state: 'SCHEDULED', finishedAt: null });
    expect(await getJob(stack, token, terminated.id)).toMatchObject({ state: 'CANCELLED', result: 'Terminated in Temporal' });
    const lostJob = await getJob(stack, token, lost.id);
    expect(lostJob).toMatchObject({ state: 'ERROR', result: 'Its workflow no longer exists in Temporal' });
    expect(lostJob.finishedAt).not.toBeNull();
  });

  it('lets an operator find the jobs by record and state in Temporal visibility', async () => {
    expect(cancelledWorkflowId).toBeDefined();
    const cancelled = await eventually(async () => {
      const ids = await listWorkflowIds(stack, `StewardRecordId = "${record.recordId}" AND StewardJobState = "CANCELLED"`);
      return ids.length > 0 ? ids : undefined;
    }, 30_000, 'visibility to list the cancelled job');
    expect(cancelled).toEqual([cancelledWorkflowId]);

    // A terminated workflow's search attributes stay as they were (Scheduled): the termination is
    // what Temporal shows for it.
    const terminated = await eventually(async () => {
      const ids = await listWorkflowIds(stack, `StewardRecordId = "${record.recordId}" AND ExecutionStatus = "Terminated"`);
      return ids.length === terminatedWorkflowIds.length ? ids : undefined;
    }, 30_000, 'visibility to list the terminated jobs');
    expect(terminated).toEqual([...terminatedWorkflowIds].sort());

    // The CLI's own query agrees.
    const fromCli = temporalCli('workflow', 'list', '--query', `StewardRecordId = "${record.recordId}" AND StewardJobState = "CANCELLED"`, '--output', 'json');
    expect(fromCli).toContain(cancelledWorkflowId);
  });
});
