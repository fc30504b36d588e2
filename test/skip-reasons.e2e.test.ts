import { execFileSync } from 'node:child_process';
import { createServices } from '../services';
import { generatePassword } from '../services/vault/password-policy';
import { temporalPorts } from '../temporal/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, scheduleRun } from './harness/vault-fixtures';

const SETTINGS = '{ fallbackSettings { version } }';
const UPDATE = `mutation ($input: UpdateFallbackSettingsInput!) {
  updateFallbackSettings(input: $input) { settings { enabled } }
}`;
const RECORD_JOBS = `query ($id: ID!) {
  record(id: $id) { jobs(first: 20) { edges { node { id state type fallbackCycle } } } }
}`;
const CANCEL = 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }';

/** When Steward holds back or skips a run, Job History (or, with no job, the assignment's audit trail) says why. */
describe('the reason for every skip', () => {
  let stack: StewardStack;
  let token: string;
  const records: RotatableRecord[] = [];

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await stack.graphql<any>(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  async function configureFallback(settings: { enabled: boolean; frequencySeconds: number; cycles: number }): Promise<void> {
    const { version } = (await ok(SETTINGS)).fallbackSettings;
    await ok(UPDATE, { input: { ...settings, version } });
  }

  async function jobsOf(recordId: string): Promise<any[]> {
    return (await ok(RECORD_JOBS, { id: recordId })).record.jobs.edges.map((edge: any) => edge.node).reverse();
  }

  /** A record whose vault password is wrong, so Verify Password fails. */
  async function failingRecord(): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    records.push(record);
    execFileSync('chpasswd', { input: `${record.username}:${generatePassword()}\n` });
    return record;
  }

  async function failedOnDemandJob(record: RotatableRecord): Promise<any> {
    const failed = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(failed.state).toBe('ERROR');
    return failed;
  }

  const messages = (job: any): string[] => job.events.map((event: { message: string }) => event.message);

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    // Other test files share this database: leave fallback off.
    await configureFallback({ enabled: false, frequencySeconds: 3600, cycles: 3 }).catch(() => undefined);
    for (const record of records) await record.removeUser();
    await stack?.stop();
  });

  it('fallback off: the failed job says it gets no Fallback job, and why', async () => {
    await configureFallback({ enabled: false, frequencySeconds: 1, cycles: 3 });
    const failed = await failedOnDemandJob(await failingRecord());
    const job = await eventually(async () => {
      const current = await getJob(stack, token, failed.id);
      return messages(current).some((message) => message.startsWith('No Fallback job')) ? current : undefined;
    }, 30_000, 'the no-fallback reason');
    expect(job.events.at(-1)).toEqual(expect.objectContaining({ kind: 'STEP', message: 'No Fallback job: fallback is off' }));
  });

  it('cycles used up: the last Fallback job says no further cycle follows', async () => {
    await configureFallback({ enabled: true, frequencySeconds: 1, cycles: 1 });
    const record = await failingRecord();
    const failed = await failedOnDemandJob(record);
    const fallback = await eventually(async () => (await jobsOf(record.recordId)).find((job) => job.type === 'FALLBACK' && job.state === 'ERROR'), 60_000, 'the fallback job to fail');
    const last = await eventually(async () => {
      const current = await getJob(stack, token, fallback.id);
      return messages(current).includes('No Fallback job: all 1 fallback cycle(s) are used up') ? current : undefined;
    }, 30_000, 'the cycles-used-up reason');
    expect(last.events.filter((event: any) => event.message.startsWith('No Fallback job'))).toHaveLength(1);
    // The job that started the cycle got its Fallback job, so it carries no such note.
    expect(messages(await getJob(stack, token, failed.id)).some((message) => message.startsWith('No Fallback job'))).toBe(false);
  });

  it('a manual Cancel of another job of the record cancels the pending Fallback job, which says who and why', async () => {
    await configureFallback({ enabled: true, frequencySeconds: 3600, cycles: 3 });
    const record = await failingRecord();
    await failedOnDemandJob(record);
    const fallback = await eventually(async () => (await jobsOf(record.recordId)).find((job) => job.type === 'FALLBACK'), 30_000, 'a fallback job');
    const later = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + 3600_000));
    expect((await ok(CANCEL, { input: { jobId: later.id } })).cancelJob.job.state).toBe('CANCELLED');
    const cancelled = await finishedJob(stack, token, fallback.id, 30_000);
    expect(cancelled.state).toBe('CANCELLED');
    expect(cancelled.events.at(-1)).toEqual(expect.objectContaining({ kind: 'CANCELLED', message: expect.stringMatching(new RegExp(`^Fallback cancelled: .+ acted on job ${later.id}$`)) }));
  });

  it('a manual Run of a Fallback job ends the cycle: when it fails, it says a person ended fallback', async () => {
    await configureFallback({ enabled: true, frequencySeconds: 3600, cycles: 3 });
    const record = await failingRecord();
    await failedOnDemandJob(record);
    const fallback = await eventually(async () => (await jobsOf(record.recordId)).find((job) => job.type === 'FALLBACK'), 30_000, 'a fallback job');
    await ok('mutation ($input: JobActionInput!) { runJob(input: $input) { job { id } } }', { input: { jobId: fallback.id } });
    expect((await finishedJob(stack, token, fallback.id)).state).toBe('ERROR');
    const ran = await eventually(async () => {
      const current = await getJob(stack, token, fallback.id);
      return messages(current).some((message) => message.startsWith('No Fallback job')) ? current : undefined;
    }, 30_000, 'the ended-by-a-person reason');
    expect(messages(ran).at(-1)).toMatch(/^No Fallback job: fallback for this cycle was ended by a manual Run or Cancel at \S+Z$/);
  });

  it('a Fallback job due outside the task time window is held until the window opens, and says so', async () => {
    // An hour of the day (UTC) about twelve hours from now: the window is surely closed for the next hour.
    const windowHour = (new Date().getUTCHours() + 12) % 24;
    await configureFallback({ enabled: true, frequencySeconds: 1, cycles: 1 });
    const record = await failingRecord();
    // On Demand runs at once whatever the window; its Fallback job waits for the window.
    await stack.orm.em
      .fork()
      .getConnection()
      .execute(`update "tasks" set "time_window_cron" = ?, "time_window_time_zone" = 'UTC' where "id" = ?`, [`0 ${windowHour} * * *`, record.taskId]);
    const rerun = await failedOnDemandJob(record);
    const fallback = await eventually(async () => (await jobsOf(record.recordId)).find((job) => job.type === 'FALLBACK'), 30_000, 'a fallback job');
    const held = await getJob(stack, token, fallback.id);
    expect(held.state).toBe('SCHEDULED');
    const opensAt = new Date(held.scheduledFor);
    expect(opensAt.getUTCHours()).toBe(windowHour);
    expect(opensAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
    expect(held.events[0]).toEqual(
      expect.objectContaining({
        kind: 'SCHEDULED',
        message: expect.stringMatching(new RegExp(`^Fallback cycle 1 of 1, after job ${rerun.id} failed; due .+, outside the time window: runs when it opens at ${opensAt.toISOString()}$`)),
      }),
    );
    await ok(CANCEL, { input: { jobId: fallback.id } });
  });

  it('a missed assignment firing skipped because Run missed task is off is recorded once on the assignment audit trail', async () => {
    const rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    const group = (await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName('skips'), parentId: rootId } })).createGroup.group;
    await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', {
      input: { name: uniqueName('skipped'), groupId: group.id, host: '10.0.0.5', hostKeyFingerprint: testEnvironment().sshdFingerprint },
    });
    const { products } = await ok('{ products { name taskTypes { id name } } }');
    const wakeup = products.find((product: any) => product.name === 'Agent').taskTypes.find((type: any) => type.name === 'Wakeup');
    // Left disabled: nothing is sent to a system that does not exist.
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', { input: { taskTypeId: wakeup.id, name: uniqueName('wakeup'), settings: {} } }))
      .createClientTask.clientTask;
    const assignment = (
      await ok('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', {
        input: { clientTaskId: task.id, groupId: group.id, schedule: { kind: 'DAILY', startAt: '2026-01-01T09:30:00Z', timeBasis: 'UTC', runMissed: false } },
      })
    ).assignClientTask.assignment;
    // As after the server was down for three days: the schedule was last looked at then.
    await stack.orm.em.fork().getConnection().execute(`update "client_task_assignments" set "updated_at" = now() - interval '3 days' where "id" = ?`, [assignment.id]);

    const firingsOf = () => createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey)).assignmentFirings;
    // Worked out twice at once (as by the assignment's workflow and a reconciliation pass), then again: still one entry.
    const [next] = await Promise.all([firingsOf().nextFiring(assignment.id, null), firingsOf().nextFiring(assignment.id, null)]);
    expect(Date.parse(next!.firedAt)).toBeGreaterThan(Date.now());
    await firingsOf().nextFiring(assignment.id, null);

    const exported: string = (await ok('query ($filter: AuditEventFilterInput) { exportAuditEvents(filter: $filter) }', { filter: { action: 'skipAssignmentFiring', objectId: assignment.id } }))
      .exportAuditEvents;
    const entries = exported
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    const missed = new Date(Date.parse(next!.firedAt) - 86_400_000); // the daily fire time before the next one
    expect(JSON.stringify(entry)).toContain(`Run missed task is off: the firing due ${missed.toISOString()} was missed and is skipped`);
  });
});
