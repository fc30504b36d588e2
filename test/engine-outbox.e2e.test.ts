import { WorkflowNotFoundError } from '@temporalio/client';
import { canLogin } from '../infra/ssh';
import { createServices } from '../services';
import { temporalPorts } from '../temporal/ports';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { freePort } from './harness/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, scheduleRun, sshTarget, unlock } from './harness/vault-fixtures';

/**
 * The hand-off to Temporal (services/jobs/engine-outbox.ts): a mutation commits its change with
 * the command for the engine, answers, and the command reaches Temporal once it can. This file
 * has a database of its own, so no other test's relay delivers its commands early.
 */
describe('the engine outbox', () => {
  let databaseUrl: string;
  let stack: StewardStack | undefined;
  const records: RotatableRecord[] = [];

  beforeAll(async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_outbox_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
  });

  afterAll(async () => {
    await stack?.stop();
    for (const record of records) await record.removeUser();
    await dropDatabase(databaseUrl);
  });

  const pendingCommands = async (s: StewardStack, subjectId: string) =>
    s.orm.em.fork().execute<{ kind: string; attempts: number; due_at: Date; delivered_at: Date | null; last_error: string | null }[]>(
      `select "kind", "attempts", "due_at", "delivered_at", "last_error" from "engine_outbox" where "subject_id" = ? order by "id"`,
      [subjectId],
    );

  const workflowExists = async (workflowId: string) =>
    stack!.client.workflow
      .getHandle(workflowId)
      .describe()
      .then(() => true, (error: unknown) => (error instanceof WorkflowNotFoundError ? false : Promise.reject(error)));

  it('queues writes while the API cannot reach Temporal, answers reads, and runs each job exactly once when Temporal is back', async () => {
    // An API whose Temporal is a closed port; no worker, so nothing else reaches Temporal either.
    stack = await startStewardStack({ databaseUrl, worker: false, apiTemporalAddress: `127.0.0.1:${await freePort()}` });
    const token = await stack.signIn(ADMIN_ROLES);
    const record = await createRotatableRecord(stack, token);
    records.push(record);

    const started = Date.now();
    const job = await runOnDemand(stack, token, record.recordId, record.taskId);
    console.log(`runOnDemandTask answered in ${Date.now() - started} ms with Temporal unreachable`);
    expect(job.state).toBe('SCHEDULED');

    // A retry of the same call with its idempotency key returns the first job and starts nothing.
    const keyed = { recordId: record.recordId, taskId: record.taskId, idempotencyKey: uniqueName('key') };
    const run = (input: Record<string, unknown>) =>
      stack!.graphql<{ runOnDemandTask: { job: { id: string } } }>(`mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id } } }`, { input }, token);
    const first = await run(keyed);
    const retried = await run(keyed);
    expect(retried.data?.runOnDemandTask.job.id).toBe(first.data?.runOnDemandTask.job.id);
    const misused = await run({ ...keyed, taskId: record.recordId });
    expect(misused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const keyedJobId = first.data!.runOnDemandTask.job.id;

    // Reads answer; the jobs wait in Job History, their starts in the outbox.
    const jobs = await stack.graphql<{ jobs: { totalCount: number } }>(`query ($filter: JobFilterInput) { jobs(filter: $filter) { totalCount } }`, { filter: { recordId: record.recordId } }, token);
    expect(jobs.data?.jobs.totalCount).toBe(2);
    expect((await getJob(stack, token, job.id)).events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED']);
    await eventually(async () => {
      const [command] = await pendingCommands(stack!, job.id);
      return command && command.attempts >= 1 && command.last_error ? command : undefined;
    }, 30_000, 'the relay to try the start and fail');
    expect((await pendingCommands(stack, job.id))[0]).toMatchObject({ kind: 'START_JOB', delivered_at: null });

    // Temporal is reachable again: a new API process with a worker delivers what queued.
    await stack.stop();
    stack = await startStewardStack({ databaseUrl });
    for (const id of [job.id, keyedJobId]) {
      const done = await finishedJob(stack, token, id);
      expect(done.state).toBe('COMPLETED');
      expect(done.events.filter((event: { kind: string }) => event.kind === 'QUEUED')).toHaveLength(1);
      const commands = await pendingCommands(stack, id);
      expect(commands).toHaveLength(1);
      expect(commands[0]!.delivered_at).not.toBeNull();
    }
    const password = await unlock(stack, token, record.recordId);
    expect(password).not.toBe(record.initialPassword);
    expect(await canLogin(sshTarget(record.username, password))).toBe(true);
  });

  it('keeps a recurrence going when its start could not be delivered, and re-seeds a chain that lost its occurrence', async () => {
    stack ??= await startStewardStack({ databaseUrl });
    const token = await stack.signIn(ADMIN_ROLES);
    const record = await createRotatableRecord(stack, token, { policyEvents: ['EVERY_N_DAYS'], schedule: { timeOfDay: '03:00', intervalDays: 7, anchorDate: new Date().toISOString().slice(0, 10) } });
    records.push(record);
    const em = stack.orm.em.fork();
    const upcoming = () =>
      em.execute<{ id: string; due_at: Date }[]>(`select "id", "due_at" from "jobs" where "record_id" = ? and "type" = 'SCHEDULED' and "state" = 'SCHEDULED'`, [record.recordId]);
    const [occurrence] = await upcoming();
    expect(occurrence).toBeDefined();

    // The same occurrence twice is refused by the database, so concurrent scheduling cannot fork a chain.
    await expect(
      em.execute(
        `insert into "jobs" ("id", "record_id", "task_id", "chain_record_id", "chain_task_id", "task_name", "type", "state", "node_name", "workflow_id", "scheduled_for", "due_at", "trigger_event")
         select gen_random_uuid(), "record_id", "task_id", "chain_record_id", "chain_task_id", "task_name", "type", "state", "node_name", 'job-duplicate', "scheduled_for", "due_at", "trigger_event" from "jobs" where "id" = ?`,
        [occurrence!.id],
      ),
    ).rejects.toThrow(/jobs_one_upcoming_occurrence/);

    // A chain broken long ago (its occurrence ran two days ago, and nothing followed) is found and re-seeded.
    await em.execute(
      `update "jobs" set "state" = 'COMPLETED', "due_at" = now() - interval '2 days', "scheduled_for" = now() - interval '2 days',
       "started_at" = now() - interval '2 days', "finished_at" = now() - interval '2 days', "updated_at" = now() - interval '1 hour' where "id" = ?`,
      [occurrence!.id],
    );
    const services = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));
    expect(await services.scheduler.reseedBrokenChains(60_000)).toBeGreaterThanOrEqual(1);
    const [reseeded] = await upcoming();
    expect(reseeded).toBeDefined();
    expect(reseeded!.id).not.toBe(occurrence!.id);
    // Its start went through the outbox like any other: due a week ahead, it waits there for its time.
    expect(await pendingCommands(stack, reseeded!.id)).toEqual([expect.objectContaining({ kind: 'START_JOB', delivered_at: null, attempts: 0 })]);
    // Nothing is broken any more.
    expect(await services.scheduler.reseedBrokenChains(0)).toBe(0);
  });
  it('starts the workflow of a job due later shortly before its time: until then it waits in the outbox, and Run or Cancel act at once', async () => {
    stack ??= await startStewardStack({ databaseUrl });
    const token = await stack.signIn(ADMIN_ROLES);
    const record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    records.push(record);
    const twoHoursAhead = () => new Date(Date.now() + 2 * 3_600_000);

    // Due in two hours: a row in Job History and a start in the outbox, due fifteen minutes before the job; no workflow yet.
    const runAt = twoHoursAhead();
    const waiting = await scheduleRun(stack, token, record.recordId, record.taskId, runAt);
    const [start] = await pendingCommands(stack, waiting.id);
    expect(start).toMatchObject({ kind: 'START_JOB', attempts: 0, delivered_at: null });
    expect(runAt.getTime() - new Date(start!.due_at).getTime()).toBe(15 * 60_000);
    expect(await workflowExists(waiting.workflowId)).toBe(false);
    expect((await getJob(stack, token, waiting.id)).events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED']);
    // The reconciliation does not take a job whose start waits for its time for one Temporal lost.
    const services = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));
    await services.reconciler.reconcileOpenJobs(0);
    expect((await getJob(stack, token, waiting.id)).state).toBe('SCHEDULED');

    // Its time comes (moved here rather than waited for): the relay starts the workflow, which sleeps until the job is due.
    await stack.orm.em.fork().execute(`update "engine_outbox" set "due_at" = now(), "next_attempt_at" = now() where "subject_id" = ?`, [waiting.id]);
    await eventually(async () => ((await pendingCommands(stack!, waiting.id))[0]?.delivered_at ? true : undefined), 30_000, 'the relay to start the workflow');
    expect(await workflowExists(waiting.workflowId)).toBe(true);
    expect((await getJob(stack, token, waiting.id)).state).toBe('SCHEDULED');

    // Run on another job due later starts its workflow and runs it now.
    const toRun = await scheduleRun(stack, token, record.recordId, record.taskId, twoHoursAhead());
    const ran = await stack.graphql<any>('mutation ($input: JobActionInput!) { runJob(input: $input) { job { id } } }', { input: { jobId: toRun.id } }, token);
    expect(ran.errors).toBeUndefined();
    expect((await finishedJob(stack, token, toRun.id)).state).toBe('COMPLETED');

    // Cancel on a third ends it without any workflow ever running for it.
    const toCancel = await scheduleRun(stack, token, record.recordId, record.taskId, twoHoursAhead());
    const cancelled = await stack.graphql<any>('mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }', { input: { jobId: toCancel.id } }, token);
    expect(cancelled.data.cancelJob.job.state).toBe('CANCELLED');
    await eventually(async () => ((await pendingCommands(stack!, toCancel.id)).every((command) => command.delivered_at) ? true : undefined), 30_000, 'its commands to be settled');
    expect((await pendingCommands(stack, toCancel.id)).map((command) => command.kind)).toEqual(['START_JOB', 'CANCEL_JOB']);
    expect(await workflowExists(toCancel.workflowId)).toBe(false);
  });

  it('keeps a job due later cancelled when the process dies between its Cancel and the delivery: no workflow runs it, nothing touches the host', async () => {
    // An API cut off from Temporal, and no worker.
    await stack?.stop();
    stack = await startStewardStack({ databaseUrl, worker: false, apiTemporalAddress: `127.0.0.1:${await freePort()}` });
    const token = await stack.signIn(ADMIN_ROLES);
    const record = await createRotatableRecord(stack, token);
    records.push(record);
    const job = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + 2 * 3_600_000));
    // Its start is held by a claim, as a process that died while sending it leaves it; otherwise this API
    // would settle the start of a job already ended at once, with no Temporal needed.
    await stack.orm.em.fork().execute(`update "engine_outbox" set "claimed_until" = now() + interval '1 hour' where "subject_id" = ?`, [job.id]);
    const cancelled = await stack.graphql<any>('mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }', { input: { jobId: job.id } }, token);
    expect(cancelled.data.cancelJob.job.state).toBe('CANCELLED');
    // The Cancel committed; neither command went further. The process stops here.
    expect(await pendingCommands(stack, job.id)).toEqual([
      expect.objectContaining({ kind: 'START_JOB', attempts: 0, delivered_at: null }),
      expect.objectContaining({ kind: 'CANCEL_JOB', attempts: 0, delivered_at: null }),
    ]);
    await stack.stop();

    // A new process with a worker; the dead one's claim has lapsed and the start's time has come (moved here rather than waited for).
    stack = await startStewardStack({ databaseUrl });
    await stack.orm.em.fork().execute(`update "engine_outbox" set "due_at" = now(), "next_attempt_at" = now(), "claimed_until" = null where "subject_id" = ?`, [job.id]);
    await eventually(async () => ((await pendingCommands(stack!, job.id)).every((command) => command.delivered_at) ? true : undefined), 30_000, 'its commands to be settled');

    // The start of a job already ended is settled without starting a workflow: nothing was queued, started or run.
    expect(await workflowExists(job.workflowId)).toBe(false);
    const after = await getJob(stack, token, job.id);
    expect(after).toMatchObject({ state: 'CANCELLED', startedAt: null });
    expect(after.events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED', 'CANCELLED']);
    const password = await unlock(stack, token, record.recordId);
    expect(password).toBe(record.initialPassword);
    expect(await canLogin(sshTarget(record.username, password))).toBe(true);
  });
});
