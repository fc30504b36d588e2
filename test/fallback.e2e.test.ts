import { execFileSync } from 'node:child_process';
import { generatePassword } from '../services/vault/password-policy';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, unlock } from './harness/vault-fixtures';

const SETTINGS = '{ fallbackSettings { enabled frequencySeconds cycles version } }';
const UPDATE = `mutation ($input: UpdateFallbackSettingsInput!) {
  updateFallbackSettings(input: $input) { settings { enabled frequencySeconds cycles version } }
}`;
const RECORD_JOBS = `query ($id: ID!) {
  record(id: $id) { jobs(first: 20) { edges { node { id state type fallbackCycle fallbackOf { id } scheduledFor } } } }
}`;

describe('fallback jobs', () => {
  let stack: StewardStack;
  let token: string;
  const records: RotatableRecord[] = [];

  async function configure(settings: { enabled: boolean; frequencySeconds: number; cycles: number }): Promise<void> {
    const current = await stack.graphql<any>(SETTINGS, {}, token);
    const result = await stack.graphql<any>(UPDATE, { input: { ...settings, version: current.data.fallbackSettings.version } }, token);
    expect(result.data?.updateFallbackSettings.settings).toMatchObject(settings);
  }

  async function jobsOf(recordId: string): Promise<any[]> {
    const result = await stack.graphql<any>(RECORD_JOBS, { id: recordId }, token);
    return result.data.record.jobs.edges.map((edge: any) => edge.node).reverse();
  }

  /** A record whose vault password is wrong, so Verify Password fails until the host is told otherwise. */
  async function failingRecord(): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    records.push(record);
    execFileSync('chpasswd', { input: `${record.username}:${generatePassword()}\n` });
    return record;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    // Other test files share this database: leave fallback off.
    await configure({ enabled: false, frequencySeconds: 3600, cycles: 3 }).catch(() => undefined);
    for (const record of records) await record.removeUser();
    await stack?.stop();
  });

  it('is a global setting only System Administrators change, guarded by its version', async () => {
    const plain = await stack.signIn([]);
    const current = await stack.graphql<any>(SETTINGS, {}, plain);
    expect(current.data.fallbackSettings.enabled).toBe(false);
    const input = { enabled: true, frequencySeconds: 5, cycles: 2, version: current.data.fallbackSettings.version };
    expect((await stack.graphql(UPDATE, { input }, plain)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await stack.graphql(UPDATE, { input: { ...input, version: input.version + 7 } }, token)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await stack.graphql(UPDATE, { input: { ...input, cycles: 0 } }, token)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await stack.graphql<any>(SETTINGS, {}, plain)).data.fallbackSettings).toEqual(current.data.fallbackSettings);
  });

  it('re-runs a failed job as Fallback every frequency, up to the number of cycles', async () => {
    await configure({ enabled: true, frequencySeconds: 2, cycles: 2 });
    const record = await failingRecord();
    const failed = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(failed.state).toBe('ERROR');

    const jobs = await eventually(async () => {
      const all = await jobsOf(record.recordId);
      return all.length === 3 && all.every((job) => job.state === 'ERROR') ? all : undefined;
    }, 90_000, 'two fallback cycles to fail');
    expect(jobs.map((job) => [job.type, job.fallbackCycle])).toEqual([
      ['ON_DEMAND', null],
      ['FALLBACK', 1],
      ['FALLBACK', 2],
    ]);
    expect(jobs.slice(1).map((job) => job.fallbackOf.id)).toEqual([failed.id, failed.id]);
    const firstFallback = await getJob(stack, token, jobs[1].id);
    expect(Date.parse(firstFallback.scheduledFor) - Date.parse(failed.finishedAt)).toBeGreaterThanOrEqual(1500);
    expect(firstFallback.events[0].message).toMatch(/^Fallback cycle 1 of 2, after job/);

    // The cycles are used up: nothing more is scheduled.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await jobsOf(record.recordId)).toHaveLength(3);
  });

  it('ends the cycle when a Fallback job succeeds', async () => {
    await configure({ enabled: true, frequencySeconds: 3, cycles: 3 });
    const record = await failingRecord();
    const failed = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(failed.state).toBe('ERROR');
    // The host now accepts what the vault holds: the first fallback succeeds.
    execFileSync('chpasswd', { input: `${record.username}:${await unlock(stack, token, record.recordId)}\n` });
    const jobs = await eventually(async () => {
      const all = await jobsOf(record.recordId);
      return all.length === 2 && all[1].state === 'COMPLETED' ? all : undefined;
    }, 60_000, 'the fallback job to succeed');
    expect(jobs[1]).toMatchObject({ type: 'FALLBACK', fallbackCycle: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await jobsOf(record.recordId)).toHaveLength(2);
  });

  it('a manual Cancel of a job in the fallback cycle ends fallback for the record', async () => {
    await configure({ enabled: true, frequencySeconds: 30, cycles: 3 });
    const record = await failingRecord();
    await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    const fallback = await eventually(async () => (await jobsOf(record.recordId)).find((job) => job.type === 'FALLBACK'), 30_000, 'a fallback job');
    expect(fallback.state).toBe('SCHEDULED');
    const cancelled = await stack.graphql<any>('mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }', { input: { jobId: fallback.id } }, token);
    expect(cancelled.data.cancelJob.job.state).toBe('CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await jobsOf(record.recordId)).map((job) => [job.type, job.state])).toEqual([
      ['ON_DEMAND', 'ERROR'],
      ['FALLBACK', 'CANCELLED'],
    ]);
  });

  it('a manual Run of a Fallback job ends fallback for the record: when it fails too, no next cycle follows', async () => {
    await configure({ enabled: true, frequencySeconds: 3600, cycles: 3 });
    const record = await failingRecord();
    await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    const fallback = await eventually(async () => (await jobsOf(record.recordId)).find((job) => job.type === 'FALLBACK'), 30_000, 'a fallback job');
    const ran = await stack.graphql<any>('mutation ($input: JobActionInput!) { runJob(input: $input) { job { id } } }', { input: { jobId: fallback.id } }, token);
    expect(ran.errors).toBeUndefined();
    expect((await finishedJob(stack, token, fallback.id)).state).toBe('ERROR');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await jobsOf(record.recordId)).map((job) => [job.type, job.state])).toEqual([
      ['ON_DEMAND', 'ERROR'],
      ['FALLBACK', 'ERROR'],
    ]);
  });
});
