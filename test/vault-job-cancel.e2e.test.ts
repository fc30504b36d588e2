import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { VaultRecord } from '../db/entities';
import { canLogin } from '../infra/ssh';
import { createManagedEndpoint, type ManagedEndpoint } from './harness/endpoint-fixtures';
import { holdNextCommand, isHeld, passwordChanges, tracePasswordChanges } from './harness/kill-points';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';

const RECORD = 'query ($id: ID!) { record(id: $id) { recordType { id } } }';
const ADD_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }';
const CANCEL_JOB = 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { id state } } }';

/** A generous bound: CI machines are noisy; how fast a cancel reaches the host is printed, and measured by the bench. */
const STOP_BOUND_MS = 5_000;

/** A `sleep` whose duration nobody else uses, so its command line marks the command on the host. */
function uniqueSleep(): { seconds: string; pattern: string } {
  const seconds = `30.${randomInt(100_000, 999_999)}`;
  // The bracket keeps the pattern from matching a command line that merely contains the pattern.
  return { seconds, pattern: seconds.replace('.', '[.]') };
}

/** Whether a live process (the login shell running the command, or its `sleep`) matches the pattern on this machine, where the test sshd runs. */
function runsOnHost(pattern: string): boolean {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
}

/** The account's processes on this machine other than sshd's own (the held passwd's shell and its `sleep`). */
function accountProcesses(username: string): string[] {
  try {
    return execFileSync('pgrep', ['-l', '-u', username], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((line) => line && !/^\d+ sshd/.test(line));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

interface Cancelled {
  /** How long after the cancel was sent the command was gone from the host. */
  stoppedAfterMs: number;
  /** Whether the command still ran when Job History first said Cancelled. */
  ranWhenShownCancelled: boolean;
}

/**
 * Sends the cancel, then polls Job History and the host's process list closely: the job's state
 * first, the host second, so a command seen running after Cancelled really ran after it.
 */
async function cancelAndWatch(stack: StewardStack, token: string, jobId: string, pattern: string, cancel: () => Promise<unknown>): Promise<Cancelled> {
  const sentAt = Date.now();
  await cancel();
  let stoppedAt: number | undefined;
  const ranWhenShownCancelled = await eventually(
    async () => {
      const { state } = await getJob(stack, token, jobId);
      const running = runsOnHost(pattern);
      if (!running) stoppedAt ??= Date.now();
      return state === 'CANCELLED' ? running : undefined;
    },
    60_000,
    `job ${jobId} to show as Cancelled`,
    25,
  );
  if (ranWhenShownCancelled) return { stoppedAfterMs: Number.NaN, ranWhenShownCancelled };
  return { stoppedAfterMs: stoppedAt! - sentAt, ranWhenShownCancelled };
}

describe('cancelling a running job stops its work on the host first', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;
  let recordTypeId: string;
  const cleanups: (() => Promise<void>)[] = [];

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await stack.graphql<any>(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const addCustomCommand = async (name: string, command: string): Promise<string> =>
    (await gql(ADD_TASK, { input: { recordTypeId, task: { name: uniqueName(name), script: 'CUSTOM_COMMAND', policyEvents: ['ON_DEMAND'], scriptParameters: { command } } } })).addRecordTypeTask.task.id;

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    cleanups.push(record.removeUser);
    recordTypeId = (await gql(RECORD, { id: record.recordId })).record.recordType.id;
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await stack?.stop();
  });

  const ways: [string, (workflowId: string, jobId: string) => Promise<unknown>][] = [
    [
      '`temporal workflow cancel`',
      async (workflowId) => {
        const env = testEnvironment();
        execFileSync(env.temporalCli, ['workflow', 'cancel', '--workflow-id', workflowId, '--address', env.temporalAddress, '--namespace', env.temporalNamespace]);
      },
    ],
    ["the Temporal client's handle.cancel() (what the Temporal UI does)", (workflowId) => stack.client.workflow.getHandle(workflowId).cancel()],
    ['the cancelJob mutation', (_workflowId, jobId) => gql(CANCEL_JOB, { input: { jobId } })],
  ];

  it.each(ways)('a Custom Command cancelled with %s: Cancelled once the command is gone from the host, the lock free only then, nothing written after', async (way, cancel) => {
    const { seconds, pattern } = uniqueSleep();
    const sleeper = await addCustomCommand('Sleep', `sleep ${seconds}; echo "slept"`);
    // The next job on the same account looks, on the host, for the sleeper when it gets the lock.
    const checker = await addCustomCommand('Check', `if pgrep -f '${pattern}' >/dev/null; then echo "overlap"; else echo "alone"; fi`);

    const job = await runOnDemand(stack, token, record.recordId, sleeper);
    await eventually(async () => (runsOnHost(pattern) ? true : undefined), 60_000, 'the command to run on the host', 50);
    const next = await runOnDemand(stack, token, record.recordId, checker);
    await eventually(
      async () => ((await getJob(stack, token, next.id)).events.some((event: any) => event.message.startsWith('Waiting for')) ? true : undefined),
      30_000,
      'the next job to wait for the account',
    );

    const { stoppedAfterMs, ranWhenShownCancelled } = await cancelAndWatch(stack, token, job.id, pattern, () => cancel(job.workflowId, job.id));
    expect(ranWhenShownCancelled).toBe(false);
    console.log(`Custom Command cancelled with ${way}: gone from the host ${stoppedAfterMs} ms after the cancel`);
    expect(stoppedAfterMs).toBeLessThan(STOP_BOUND_MS);

    // Once the workflow has closed, nothing can write onto the job any more: nothing did after it ended.
    const handle = stack.client.workflow.getHandle(job.workflowId);
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const ended = await getJob(stack, token, job.id);
    expect(ended.state).toBe('CANCELLED');
    expect(ended.details).toEqual({ exitCode: null, output: null });
    expect(ended.events.map((event: any) => event.message)).not.toContain('Ran the command');
    for (const event of ended.events) expect(Date.parse(event.at)).toBeLessThanOrEqual(Date.parse(ended.finishedAt));

    // The account's lock went to the next job only after the command was gone.
    const after = await finishedJob(stack, token, next.id);
    expect(after).toMatchObject({ state: 'COMPLETED', details: { exitCode: 0, output: 'alone' } });
    expect(Date.parse(after.startedAt)).toBeGreaterThanOrEqual(Date.parse(ended.finishedAt));

    // RECORD_HISTORIES=<name> keeps this history for the replay test as test/histories/vault-task-job-<name>.json.
    if (process.env.RECORD_HISTORIES && way === ways[0]![0]) {
      writeFileSync(path.join(__dirname, 'histories', `vault-task-job-${process.env.RECORD_HISTORIES}.json`), historyToJSON(await handle.fetchHistory()));
    }
  });

  it('a password reset cancelled while it runs leaves the vault holding the password the host accepts, nothing pending', async () => {
    const rotating = await createRotatableRecord(stack, token);
    cleanups.push(rotating.removeUser);
    const job = await runOnDemand(stack, token, rotating.recordId, rotating.taskId);
    await eventually(async () => ((await getJob(stack, token, job.id)).state === 'RUNNING' ? true : undefined), 60_000, 'the reset to start', 25);
    await gql(CANCEL_JOB, { input: { jobId: job.id } });
    // Cancelled if the cancel came in time, Completed if the reset had finished: either way the vault agrees with the host.
    const ended = await finishedJob(stack, token, job.id);
    expect(['CANCELLED', 'COMPLETED']).toContain(ended.state);
    const held = await unlock(stack, token, rotating.recordId);
    expect(await canLogin(sshTarget(rotating.username, held))).toBe(true);
    const stored = await stack.orm.em.fork().findOneOrFail(VaultRecord, { id: rotating.recordId }, { populate: ['encryptedPendingPassword'] });
    expect(stored.encryptedPendingPassword).toBeNull();
  });

  it('a password reset cancelled while passwd holds on the host: passwd is gone from the host, and the vault holds the password the host accepts', async () => {
    const rotating = await createRotatableRecord(stack, token);
    cleanups.push(rotating.removeUser);
    await tracePasswordChanges({ username: rotating.username, password: rotating.initialPassword }, 'passwd');
    holdNextCommand(rotating.username);
    const job = await runOnDemand(stack, token, rotating.recordId, rotating.taskId);
    await eventually(async () => (isHeld(rotating.username) ? true : undefined), 60_000, 'passwd to hold on the host');
    expect(accountProcesses(rotating.username)).not.toEqual([]);

    const sentAt = Date.now();
    await gql(CANCEL_JOB, { input: { jobId: job.id } });
    await eventually(async () => (accountProcesses(rotating.username).length === 0 ? true : undefined), 60_000, 'the held passwd to be gone from the host', 25);
    console.log(`a reset cancelled while passwd held: gone from the host ${Date.now() - sentAt} ms after the cancel`);
    expect(Date.now() - sentAt).toBeLessThan(STOP_BOUND_MS);
    const ended = await finishedJob(stack, token, job.id);
    expect(ended.state).toBe('CANCELLED');

    // passwd never ran: the host still takes the first password, and the vault holds it with nothing pending.
    expect(passwordChanges(rotating.username)).toEqual([]);
    expect(await unlock(stack, token, rotating.recordId)).toBe(rotating.initialPassword);
    expect(await canLogin(sshTarget(rotating.username, rotating.initialPassword))).toBe(true);
    const stored = await stack.orm.em.fork().findOneOrFail(VaultRecord, { id: rotating.recordId }, { populate: ['encryptedPendingPassword'] });
    expect(stored.encryptedPendingPassword).toBeNull();
  });

  describe('a client task job', () => {
    let endpoint: ManagedEndpoint;

    beforeAll(async () => {
      endpoint = await createManagedEndpoint(stack, token);
      cleanups.push(endpoint.remove);
    });

    it('cancelled with cancelJob: Cancelled once its command is gone from the host, within the bound', async () => {
      const { seconds, pattern } = uniqueSleep();
      const manifest = {
        name: uniqueName('Sleeper'),
        version: '1.0.0',
        taskTypes: [{ name: 'Sleep', settingsSchema: { type: 'object', properties: {}, additionalProperties: false }, command: `sleep ${seconds}\necho "STEWARD-REPORT {}"` }],
      };
      const { checkInProduct } = await gql('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest } });
      const created = await gql('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
        input: { taskTypeId: checkInProduct.product.taskTypes[0].id, name: uniqueName('sleep'), settings: {} },
      });
      const taskId = created.createClientTask.clientTask.id;
      await gql('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: taskId, enabled: true } });
      const { runClientTaskNow } = await gql('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { jobs(first: 1) { edges { node { id } } } } } }', {
        input: { clientTaskId: taskId, systemIds: [endpoint.systemId] },
      });
      const jobId = runClientTaskNow.run.jobs.edges[0].node.id;
      await eventually(async () => (runsOnHost(pattern) ? true : undefined), 60_000, 'the task to run on the host', 50);

      const { stoppedAfterMs, ranWhenShownCancelled } = await cancelAndWatch(stack, token, jobId, pattern, () => gql(CANCEL_JOB, { input: { jobId } }));
      expect(ranWhenShownCancelled).toBe(false);
      console.log(`Client task job cancelled with cancelJob: gone from the host ${stoppedAfterMs} ms after the cancel`);
      expect(stoppedAfterMs).toBeLessThan(STOP_BOUND_MS);
      const ended = await getJob(stack, token, jobId);
      expect(ended.details.output).toBeNull();
    });
  });
});
