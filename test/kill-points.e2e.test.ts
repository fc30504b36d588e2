/**
 * R1, the kill-point matrix: the worker is SIGKILLed while each job of a set stands at its own
 * step of a rotation (or of a client task run), then a new worker (scripts/worker.ts) starts.
 * One worker holds every job at its step at once, so one kill and one restart cover the matrix;
 * each `it` then checks one kill point.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { canLogin } from '../infra/ssh';
import { generatePassword } from '../services/vault/password-policy';
import { createManagedEndpoint, type ManagedEndpoint } from './harness/endpoint-fixtures';
import {
  holdNextCommand,
  HOLD_ONCE,
  isHeld,
  type KillPoint,
  type KillPointWorker,
  passwordChanges,
  passwordDigest,
  release,
  startKillPointWorker,
  tracePasswordChanges,
} from './harness/kill-points';
import { createTestUser } from './harness/sshd';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { testEnvironment } from './harness/test-env';
import {
  createRotatableRecord,
  failedLoginsSince,
  finishedJob,
  getJob,
  type RotatableRecord,
  runOnDemand,
  sshdLogOffset,
  sshTarget,
  unlock,
} from './harness/vault-fixtures';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

const NODE = 'local';

type JobView = Awaited<ReturnType<typeof getJob>>;
const kinds = (job: JobView): string[] => job.events.map((event: { kind: string }) => event.kind);
const messages = (job: JobView): string[] => job.events.map((event: { message: string }) => event.message);
const count = (values: string[], value: string) => values.filter((candidate) => candidate === value).length;

/** A product whose one task type runs once through HOLD_ONCE, leaving a line per run in the home. */
const HOLDING_PRODUCT = {
  name: uniqueName('Kill Point Tools'),
  version: '1.0.0',
  taskTypes: [
    {
      name: 'Hold',
      settingsSchema: { type: 'object', properties: {}, additionalProperties: false },
      command: ['echo run >> "$HOME/.steward-client-runs"', HOLD_ONCE, 'echo "STEWARD-REPORT {}"'].join('\n'),
    },
  ],
};

/** One rotation job stopped at a step: whose password changes, who runs the change, and what its timeline must show. */
interface RotationCase {
  record: RotatableRecord;
  jobId: string;
  workflowId: string;
  /** The account whose ~/.bashrc traces the change: the record's own, or the shadow account's. */
  changer: string;
  /** Whether a retried change may set the (same) password again: a shadow account's reset repeats it. */
  repeatsChange: boolean;
  /** What its timeline must show besides the steps, e.g. the retry of the step it was killed at. */
  expectedMessages: RegExp[];
  /** A record referring to the same account, which must end holding the same password. */
  followerRecordId?: string;
  /** How many logins of the account the host may refuse: one, where the vault cannot know the host took the new password. */
  maxFailedLogins: number;
}

describe('kill-point matrix: a worker SIGKILLed at each step of a rotation, and during a client task run', () => {
  let databaseUrl: string;
  let stack: StewardStack;
  let token: string;
  let killPointWorker: KillPointWorker | undefined;
  let worker: WorkerProcess | undefined;
  let rowLock: PgClient | undefined;
  let logOffset: number;
  let killedAt: number;
  let restartedAt: number;
  const cases = new Map<string, RotationCase>();
  const cleanups: (() => Promise<void>)[] = [];
  const timings: string[] = [];
  let clientRun: { runId: string; held: ManagedEndpoint; quick: ManagedEndpoint; jobs: Map<string, string> } | undefined;

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await stack.graphql<any>(query, variables, token);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  async function rotatable(): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, token, { executionNode: NODE });
    cleanups.push(record.removeUser);
    return record;
  }

  /** A record of its own type, with no tasks, holding an account that already exists. */
  async function recordOf(username: string, password: string): Promise<string> {
    const env = testEnvironment();
    const type = await ok('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', { input: { name: uniqueName('held'), tasks: [] } });
    const input = {
      recordTypeId: type.createRecordType.recordType.id,
      name: uniqueName(username),
      host: env.sshdHost,
      port: env.sshdPort,
      username,
      password,
      hostKeyFingerprint: env.sshdFingerprint,
    };
    return (await ok('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }', { input })).createRecord.record.id;
  }

  async function addCase(name: string, record: RotatableRecord, options: Partial<Pick<RotationCase, 'changer' | 'repeatsChange' | 'expectedMessages' | 'followerRecordId' | 'maxFailedLogins'>> & { taskId?: string } = {}) {
    const job = await runOnDemand(stack, token, record.recordId, options.taskId ?? record.taskId);
    cases.set(name, {
      record,
      jobId: job.id,
      workflowId: job.workflowId,
      changer: options.changer ?? record.username,
      repeatsChange: options.repeatsChange ?? false,
      expectedMessages: options.expectedMessages ?? [],
      followerRecordId: options.followerRecordId,
      maxFailedLogins: options.maxFailedLogins ?? 0,
    });
    return job.id;
  }

  /**
   * A transaction of the test's own holding the record's row, so the rotation that updates it
   * waits, mid-transaction. The lock lets rows that only refer to the record (its password
   * history) be written: it is the update of the record itself that waits.
   */
  async function lockRow(recordId: string): Promise<PgClient> {
    const client = new PgClient({ connectionString: databaseUrl });
    await client.connect();
    await client.query('begin');
    await client.query('select id from records where id = $1 for no key update', [recordId]);
    return client;
  }

  /**
   * The statement another session runs while it waits for the test's row lock, or undefined. Asked
   * on another connection: a transaction sees pg_stat_activity as it was when it first looked.
   */
  async function blockedOn(lock: PgClient): Promise<string | undefined> {
    const { rows: [holder] } = await lock.query<{ pid: number }>('select pg_backend_pid() as pid');
    const rows = await stack.orm.em.fork().getConnection().execute<{ query: string }[]>('select query from pg_stat_activity where ? = any(pg_blocking_pids(pid))', [holder!.pid]);
    return rows[0]?.query;
  }

  beforeAll(async () => {
    const setupStartedAt = Date.now();
    // A database of its own: the first reconciliation of a new worker restarts the assignment
    // schedules earlier files left in the shared database (239 in one CI run), each firing what it
    // missed, and that burst kept this file's client jobs from starting within the wait below.
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_kill_points_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ worker: false, databaseUrl });
    token = await stack.signIn(ADMIN_ROLES);
    logOffset = sshdLogOffset();
    const points: KillPoint[] = [];

    // After the pending password is stored; after the change, before verify; after verify, before promote.
    for (const [name, activity, expectedMessages] of [
      ['after the pending password is stored', 'preparePendingPassword', []],
      ['after the change, before verify', 'changePasswordOnHost', [/^Changing the password on the host: attempt \d+$/, /^The host already had the new password$/]],
      ['after verify, before promote', 'verifyPendingPassword', [/^Verifying the new password: attempt \d+$/]],
    ] as const) {
      const record = await rotatable();
      await tracePasswordChanges({ username: record.username, password: record.initialPassword }, 'passwd');
      points.push({ jobId: await addCase(name, record, { expectedMessages: [...expectedMessages] }), activity });
    }

    // During passwd: it holds on the host until the worker is dead.
    const duringPasswd = await rotatable();
    await tracePasswordChanges({ username: duringPasswd.username, password: duringPasswd.initialPassword }, 'passwd');
    holdNextCommand(duringPasswd.username);
    // The dead worker never learnt whether passwd went through: the retry may find out with one refused login.
    await addCase('during passwd', duringPasswd, { expectedMessages: [/^Changing the password on the host: attempt \d+$/], maxFailedLogins: 1 });

    // During the update of the referenced record: another record of the same account follows the rotated one.
    const referencing = await rotatable();
    await tracePasswordChanges({ username: referencing.username, password: referencing.initialPassword }, 'passwd');
    const referenced = { recordId: await recordOf(referencing.username, referencing.initialPassword) };
    const { record: version } = await ok('query ($id: ID!) { record(id: $id) { version } }', { id: referencing.recordId });
    await ok('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }', {
      input: { recordId: referencing.recordId, version: version.version, referencedRecordId: referenced.recordId },
    });
    rowLock = await lockRow(referenced.recordId);
    await addCase('during the update of the referenced record', referencing, { followerRecordId: referenced.recordId });

    // During a shadow-account reset: a uid-0 account's chpasswd holds on the host.
    const shadowPassword = generatePassword();
    const shadowAccount = await createTestUser(shadowPassword, { superuser: true });
    cleanups.push(shadowAccount.remove);
    await tracePasswordChanges({ username: shadowAccount.username, password: shadowPassword }, 'chpasswd');
    holdNextCommand(shadowAccount.username);
    const shadowed = await rotatable();
    const { record: shadowedType } = await ok('query ($id: ID!) { record(id: $id) { recordType { id } } }', { id: shadowed.recordId });
    const shadowTask = await ok('mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }', {
      input: {
        recordTypeId: shadowedType.recordType.id,
        task: { name: 'Rotate as root', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'], executionNode: NODE, shadowRecordId: await recordOf(shadowAccount.username, shadowPassword) },
      },
    });
    await addCase('during a shadow-account reset', shadowed, { taskId: shadowTask.addRecordTypeTask.task.id, changer: shadowAccount.username, repeatsChange: true });

    // During a client task run: one system's task holds on the host, the other's has run.
    const product = await ok('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest: HOLDING_PRODUCT } });
    const task = await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: product.checkInProduct.product.taskTypes[0].id, name: uniqueName('hold'), settings: {} },
    });
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.createClientTask.clientTask.id, enabled: true } });
    const [held, quick] = [await createManagedEndpoint(stack, token), await createManagedEndpoint(stack, token)];
    cleanups.push(held.remove, quick.remove);
    holdNextCommand(held.username);
    const { runClientTaskNow } = await ok('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id jobs(first: 10) { edges { node { id system { id } } } } } } }', {
      input: { clientTaskId: task.createClientTask.clientTask.id, systemIds: [held.systemId, quick.systemId] },
    });
    const jobs = new Map<string, string>(runClientTaskNow.run.jobs.edges.map((edge: { node: { id: string; system: { id: string } } }) => [edge.node.system.id, edge.node.id]));
    clientRun = { runId: runClientTaskNow.run.id, held, quick, jobs };

    // Every job is queued; the kill-point worker takes them all.
    const workerStartedAt = Date.now();
    killPointWorker = await startKillPointWorker(NODE, points, { DATABASE_URL: databaseUrl });
    const servingAt = Date.now();
    let blocked: string | undefined;
    const standing: [string, () => Promise<boolean>][] = [
      ...points.map((point): [string, () => Promise<boolean>] => [`${point.activity} finished`, async () => killPointWorker!.reached(point)]),
      ...[duringPasswd, shadowAccount, held].map((account): [string, () => Promise<boolean>] => [`a held command of ${account.username}`, async () => isHeld(account.username)]),
      ['the update of the referenced record waiting', async () => (blocked = await blockedOn(rowLock!)) !== undefined],
      ['the client job on the other system completed', async () => (await getJob(stack, token, jobs.get(quick.systemId)!)).state === 'COMPLETED'],
    ];
    let waitingFor: string[] = [];
    await eventually(async () => {
      waitingFor = [];
      for (const [what, check] of standing) if (!(await check())) waitingFor.push(what);
      return waitingFor.length === 0 ? true : undefined;
    }, 60_000, 'every job to stand at its kill point').catch(async (error: Error) => {
      const where = await Promise.all([...cases].map(async ([name, { jobId }]) => `${name}: ${messages(await getJob(stack, token, jobId)).join(' | ')}`));
      throw new Error(`${error.message}; still waiting for: ${waitingFor.join(', ')}\n${where.join('\n')}\n${killPointWorker!.logs()}`);
    });
    expect(blocked).toMatch(/^update "records"/i);
    for (const [name, { jobId }] of cases) {
      const job = await getJob(stack, token, jobId);
      expect(job.state).toBe('RUNNING');
      console.log(`at the kill, "${name}": ${kinds(job).join(', ')} (last: ${messages(job).at(-1)})`);
    }
    expect((await getJob(stack, token, jobs.get(held.systemId)!)).state).toBe('RUNNING');

    await killPointWorker.stop('SIGKILL');
    killedAt = Date.now();
    expect(killPointWorker.child.signalCode).toBe('SIGKILL');
    // The host commands go on without a worker, as they would; the dead worker's transaction rolls back.
    for (const username of [duringPasswd.username, shadowAccount.username, held.username]) release(username);
    await rowLock.query('rollback');
    worker = await startWorkerProcess({ nodeName: NODE, extraEnv: { DATABASE_URL: databaseUrl } });
    restartedAt = Date.now();
    timings.push(
      `setup ${workerStartedAt - setupStartedAt} ms; kill-point worker serving in ${servingAt - workerStartedAt} ms; ` +
        `every job at its kill point ${killedAt - servingAt} ms later; new worker (scripts/worker.ts) serving ${restartedAt - killedAt} ms after the kill`,
    );
  }, 300_000);

  afterAll(async () => {
    await killPointWorker?.stop('SIGKILL');
    await worker?.stop('SIGKILL');
    await rowLock?.end().catch(() => undefined);
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await stack?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
    console.log(`kill-point matrix timings:\n${timings.join('\n')}`);
  });

  /** The job's workflow closed as Job History says the job ended. */
  async function agreesWithTemporal(workflowId: string, state: string): Promise<void> {
    const handle = stack.client.workflow.getHandle(workflowId);
    await expect(handle.result()).resolves.toMatchObject({ state });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  }

  it.each([
    'after the pending password is stored',
    'during passwd',
    'after the change, before verify',
    'after verify, before promote',
    'during the update of the referenced record',
    'during a shadow-account reset',
  ])('%s: the job ends Completed once, the vault holds the one password the host took', async (name) => {
    const { record, jobId, workflowId, changer, repeatsChange, expectedMessages, followerRecordId, maxFailedLogins } = cases.get(name)!;
    const job = await finishedJob(stack, token, jobId, 180_000);
    const finishedAt = Date.parse(job.finishedAt);
    timings.push(`"${name}": ${job.state} ${finishedAt - killedAt} ms after the kill (${finishedAt - restartedAt} ms after the new worker served); ${messages(job).join(' | ')}`);
    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: NODE, result: 'Completed' });
    expect(count(kinds(job), 'STARTED')).toBe(1);
    expect(count(kinds(job), 'COMPLETED')).toBe(1);
    expect(count(kinds(job), 'FAILED')).toBe(0);
    expect(count(kinds(job), 'STEP')).toBeGreaterThanOrEqual(4);
    for (const expected of expectedMessages) expect(messages(job)).toContainEqual(expect.stringMatching(expected));
    await agreesWithTemporal(workflowId, 'COMPLETED');

    // One job, one retired password, nothing left pending.
    const connection = stack.orm.em.fork().getConnection();
    expect(await connection.execute('select id from jobs where record_id = ?', [record.recordId])).toHaveLength(1);
    expect(await connection.execute('select id from password_history where record_id = ?', [record.recordId])).toHaveLength(1);
    const [row] = await connection.execute<{ encrypted_pending_password: string | null }[]>('select encrypted_pending_password from records where id = ?', [record.recordId]);
    expect(row!.encrypted_pending_password).toBeNull();

    // The host took one new password, the one the vault holds, refusing no login the vault could have known would fail.
    const failedLogins = failedLoginsSince(record.username, logOffset);
    const password = await unlock(stack, token, record.recordId);
    const changes = passwordChanges(changer);
    timings.push(`"${name}": ${changes.length} successful change(s) on the host, ${failedLogins} failed login(s) of the account`);
    expect(new Set(changes)).toEqual(new Set([passwordDigest(password)]));
    if (!repeatsChange) expect(changes).toHaveLength(1);
    expect(failedLogins).toBeLessThanOrEqual(maxFailedLogins);
    await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(false);
    if (followerRecordId) {
      // The referenced record followed, once: the killed update rolled back, the retried one committed.
      expect(await unlock(stack, token, followerRecordId)).toBe(password);
      expect(await connection.execute('select id from password_history where record_id = ?', [followerRecordId])).toHaveLength(1);
    }
  }, 240_000);

  it('during a client task run: every job ends, and the run counts what its jobs say', async () => {
    const { runId, held, quick, jobs } = clientRun!;
    const counts = await eventually(async () => {
      const { clientRun: run } = await ok('query ($id: ID!) { clientRun(id: $id) { counts { targeted pending running completed failed cancelled incompatible } } }', { id: runId });
      return run.counts.pending + run.counts.running === 0 ? run.counts : undefined;
    }, 180_000, `run ${runId} to end`);
    expect(counts).toEqual({ targeted: 2, pending: 0, running: 0, completed: 2, failed: 0, cancelled: 0, incompatible: 0 });
    for (const [systemId, jobId] of jobs) {
      const job = await getJob(stack, token, jobId);
      const sinceKill = Date.parse(job.finishedAt) - killedAt;
      timings.push(`"during a client task run": the job on the ${systemId === held.systemId ? 'held' : 'other'} system ${job.state} ${Math.abs(sinceKill)} ms ${sinceKill < 0 ? 'before' : 'after'} the kill`);
      expect(job.state).toBe('COMPLETED');
      expect(count(kinds(job), 'STARTED')).toBe(1);
      await agreesWithTemporal(job.workflowId, 'COMPLETED');
    }
    await expect(stack.client.workflow.getHandle(`client-run-${runId}`).result()).resolves.toBeUndefined();
    // The job that had run before the kill did not run again; the held one ran again, once, on the new worker.
    const runsOn = (endpoint: ManagedEndpoint) => readFileSync(path.join(endpoint.home, '.steward-client-runs'), 'utf8').split('\n').filter(Boolean).length;
    expect(runsOn(quick)).toBe(1);
    expect(runsOn(held)).toBe(2);
    timings.push(`"during a client task run": counts ${JSON.stringify(counts)}; the task ran ${runsOn(held)} time(s) on the held system, ${runsOn(quick)} on the other`);
  }, 240_000);
});
