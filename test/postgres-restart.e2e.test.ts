import { canLogin } from '../infra/ssh';
import { LOCAL_NODE } from '../lib/nodes';
import { createMigratedDatabase } from './harness/databases';
import { holdNextCommand, isHeld, passwordChanges, passwordDigest, release, tracePasswordChanges } from './harness/kill-points';
import { freePort } from './harness/ports';
import { type PrivatePostgres, startPrivatePostgres } from './harness/private-postgres';
import { type ScriptProcess, startScriptProcess } from './harness/script-process';
import { ADMIN_ROLES, eventually, type GraphqlResult, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand, scheduleRun, sshTarget, unlock, waitingOnTimer } from './harness/vault-fixtures';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

/** How long PostgreSQL stays down at the least, so the API is asked many times while it is. */
const MIN_OUTAGE_MS = 5_000;

type Answer<T> = GraphqlResult<T> & { errors?: { message: string; extensions?: { code?: string; retryable?: boolean } }[] };

async function postGraphql<T = Record<string, any>>(apiUrl: string, query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: Answer<T> }> {
  const response = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer<T> };
}

async function get(apiUrl: string, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${apiUrl}${path}`);
  return { status: response.status, body: await response.text() };
}

function isRunning(process: ScriptProcess): boolean {
  return process.child.exitCode === null && process.child.signalCode === null;
}

const count = (values: string[], value: string) => values.filter((candidate) => candidate === value).length;

/**
 * R3: PostgreSQL restarts in the middle of a run. A cluster of this test's own (the machine's
 * server serves the other test files), with the API and a worker as their own processes, the
 * way production runs them, so a crash shows as an exit.
 */
describe('a PostgreSQL restart with work in flight', () => {
  let postgres: PrivatePostgres | undefined;
  let stack: StewardStack | undefined;
  let api: ScriptProcess | undefined;
  let worker: WorkerProcess | undefined;
  let apiUrl: string;
  const records: RotatableRecord[] = [];

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    const databaseUrl = postgres.urlOf('steward_restart');
    await createMigratedDatabase(databaseUrl);
    // In this process only to sign in and make the records; the API process answers everything else.
    stack = await startStewardStack({ databaseUrl, worker: false });
    const port = await freePort();
    api = await startScriptProcess({
      script: 'api.ts',
      name: 'the API',
      ready: { line: 'GraphQL API at', meaning: 'serving GraphQL' },
      env: { PORT: String(port), DATABASE_URL: databaseUrl },
    });
    apiUrl = `http://127.0.0.1:${port}`;
    worker = await startWorkerProcess({ nodeName: LOCAL_NODE, extraEnv: { DATABASE_URL: databaseUrl } });
  }, 180_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await api?.stop('SIGKILL');
    await stack?.stop();
    for (const record of records) await record.removeUser();
    await postgres?.remove();
  }, 60_000);

  it('answers a retryable SERVICE_UNAVAILABLE while it is down, recovers without a restart, and finishes every job exactly once', async () => {
    const s = stack!;
    const pg = postgres!;
    const admin = await s.signIn(ADMIN_ROLES);
    const viaApiProcess: StewardStack = { ...s, graphql: async <T>(query: string, variables?: Record<string, unknown>, token?: string) => (await postGraphql<T>(apiUrl, query, variables, token)).body };
    const rotating = await createRotatableRecord(viaApiProcess, admin);
    const timed = await createRotatableRecord(viaApiProcess, admin);
    const probed = await createRotatableRecord(viaApiProcess, admin, { script: 'VERIFY_PASSWORD' });
    records.push(rotating, timed, probed);
    for (const record of [rotating, timed]) await tracePasswordChanges({ username: record.username, password: record.initialPassword }, 'passwd');
    holdNextCommand(rotating.username);

    // In flight: a job sleeping on its timer, due while PostgreSQL is down ...
    const dueAt = Date.now() + 15_000;
    const sleeping = await scheduleRun(viaApiProcess, admin, timed.recordId, timed.taskId, new Date(dueAt));
    await waitingOnTimer(s.client.workflow.getHandle(sleeping.workflowId), 15_000);
    // ... and a rotation whose passwd runs on the host, held there until PostgreSQL is down.
    const running = await runOnDemand(viaApiProcess, admin, rotating.recordId, rotating.taskId);
    await eventually(async () => (isHeld(rotating.username) ? true : undefined), 60_000, 'passwd to run on the host');

    await pg.stop('immediate');
    const downAt = Date.now();
    expect(downAt).toBeLessThan(dueAt);
    // passwd changes the host's password now; the rotation cannot record that it did.
    release(rotating.username);

    // While it is down, a read, a write (with an idempotency key) and a sign-in, again and again.
    const probeKey = uniqueName('retried');
    const runProbed = () =>
      postGraphql<{ runOnDemandTask: { job: { id: string } } }>(apiUrl, 'mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id } } }', { input: { recordId: probed.recordId, taskId: probed.taskId, idempotencyKey: probeKey } }, admin);
    const probes = [
      () => postGraphql(apiUrl, 'query ($filter: JobFilterInput) { jobs(filter: $filter) { totalCount } }', { filter: { recordId: rotating.recordId } }, admin),
      runProbed,
      () => postGraphql(apiUrl, 'mutation ($input: LoginInput!) { login(input: $input) { token } }', { input: { username: 'someone', password: 'not-the-password' } }),
    ];
    const answered = new Map<string, number>();
    const unclear: unknown[] = [];
    const probeAll = async () => {
      for (const probe of probes) {
        const { status, body } = await probe();
        const error = body.errors?.[0];
        const code = `HTTP ${status} ${error?.extensions?.code ?? 'no error'}`;
        answered.set(code, (answered.get(code) ?? 0) + 1);
        if (error?.extensions?.code !== 'SERVICE_UNAVAILABLE' || error.extensions.retryable !== true || body.data) unclear.push(body);
      }
    };
    const readiness = await get(apiUrl, '/readyz');
    expect(readiness.status).toBe(503);
    expect(JSON.parse(readiness.body)).toEqual({ ready: false, checks: { postgres: 'failing', temporal: 'ok' } });
    expect(await get(apiUrl, '/healthz')).toEqual({ status: 200, body: 'ok' });
    // Down until passwd has changed the password on the host and the timer has fired.
    await eventually(async () => {
      await probeAll();
      return passwordChanges(rotating.username).length === 1 && Date.now() > dueAt + 1_000 && Date.now() - downAt >= MIN_OUTAGE_MS ? true : undefined;
    }, 60_000, 'passwd to change the password on the host and the timer to fire', 500);
    expect(unclear).toEqual([]);
    expect(isRunning(api!)).toBe(true);
    expect(isRunning(worker!)).toBe(true);

    const restartingAt = Date.now();
    await pg.start();
    const upAt = Date.now();
    // The API answers again, without a restart: its pool dropped the dead connections.
    await eventually(async () => ((await postGraphql(apiUrl, '{ me { id } }', undefined, admin)).body.data ? true : undefined), 30_000, 'the API to answer again');
    const recoveredAt = Date.now();
    expect(JSON.parse((await get(apiUrl, '/readyz')).body)).toEqual({ ready: true, checks: { postgres: 'ok', temporal: 'ok' } });

    // The client that was told to retry does so with its key: one job, however often it asks.
    const retried = await runProbed();
    expect(retried.body.errors).toBeUndefined();
    const keyedJobId = retried.body.data!.runOnDemandTask.job.id;
    expect((await runProbed()).body.data?.runOnDemandTask.job.id).toBe(keyedJobId);

    // Every job ends once, in Job History and in Temporal.
    let retriedActivities = 0;
    for (const job of [running, sleeping, { id: keyedJobId, workflowId: `job-${keyedJobId}` }]) {
      const done = await finishedJob(viaApiProcess, admin, job.id, 180_000);
      const kinds = done.events.map((event: { kind: string }) => event.kind);
      expect(done.state).toBe('COMPLETED');
      expect(count(kinds, 'STARTED')).toBe(1);
      expect(count(kinds, 'COMPLETED')).toBe(1);
      expect(count(kinds, 'FAILED')).toBe(0);
      const handle = s.client.workflow.getHandle(job.workflowId);
      await eventually(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), 30_000, `${job.workflowId} to complete`);
      const history = await handle.fetchHistory();
      retriedActivities += (history.events ?? []).filter((event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
      console.log(`${done.state} ${job.workflowId}: ${done.events.map((event: { message: string }) => event.message).join(' | ')}`);
    }
    // The rotation could not record its change while PostgreSQL was down; its second try waited
    // for PostgreSQL rather than spend the host step's tries, and found the host already changed.
    const rotation = await finishedJob(viaApiProcess, admin, running.id);
    const retries = rotation.events.filter((event: { kind: string }) => event.kind === 'RETRIED').map((event: { message: string }) => event.message);
    expect(retries).toEqual(['Changing the password on the host: attempt 2']);
    expect(rotation.events.map((event: { message: string }) => event.message)).toContain('The host already had the new password');
    expect(retriedActivities).toBeGreaterThanOrEqual(2);

    // No job lost or doubled: one per record, the failed calls during the outage made none.
    const connection = s.orm.em.fork().getConnection();
    const jobsPerRecord = await connection.execute<{ record_id: string; jobs: string }[]>(
      'select "record_id", count(*) as "jobs" from "jobs" where "record_id" in (?, ?, ?) group by "record_id"',
      [rotating.recordId, timed.recordId, probed.recordId],
    );
    expect(jobsPerRecord.map((row) => Number(row.jobs))).toEqual([1, 1, 1]);

    // Each rotated account: the host's password changed once, to the one the vault holds, which the host accepts.
    for (const record of [rotating, timed]) {
      const password = await unlock(viaApiProcess, admin, record.recordId);
      expect(passwordChanges(record.username)).toEqual([passwordDigest(password)]);
      await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);
      await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(false);
      const history = await connection.execute('select "id" from "password_history" where "record_id" = ?', [record.recordId]);
      expect(history).toHaveLength(1);
    }
    expect(isRunning(api!)).toBe(true);
    expect(isRunning(worker!)).toBe(true);

    const calls = [...answered.values()].reduce((sum, n) => sum + n, 0);
    console.log(
      `PostgreSQL (stopped immediate) was down ${restartingAt - downAt} ms, took ${upAt - restartingAt} ms to start, and the API answered ` +
        `${recoveredAt - upAt} ms after; ${calls} API calls during the outage answered ${JSON.stringify(Object.fromEntries(answered))}; ` +
        `3 jobs checked (each one final state, one job per record), ${retriedActivities} activities retried, 2 passwords verified on the host (each changed there once)`,
    );
  }, 300_000);
});

/**
 * Temporal cut off from the API alone (a wrong address, a firewall), while workers reach it:
 * the API answers reads, its writes wait in the outbox, and a worker's relay delivers them.
 */
describe('Temporal unreachable from the API only', () => {
  let stack: StewardStack | undefined;
  let worker: WorkerProcess | undefined;
  let record: RotatableRecord | undefined;

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await stack?.stop();
    await record?.removeUser();
  });

  it('answers reads, and the queued start reaches Temporal through a worker while the API still cannot', async () => {
    stack = await startStewardStack({ worker: false, apiTemporalAddress: `127.0.0.1:${await freePort()}` });
    worker = await startWorkerProcess({ nodeName: LOCAL_NODE });
    const token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });

    const job = await runOnDemand(stack, token, record.recordId, record.taskId);
    expect(job.state).toBe('SCHEDULED');
    const jobs = await stack.graphql<{ jobs: { totalCount: number } }>('query ($filter: JobFilterInput) { jobs(filter: $filter) { totalCount } }', { filter: { recordId: record.recordId } }, token);
    expect(jobs.data?.jobs.totalCount).toBe(1);

    const done = await finishedJob(stack, token, job.id);
    expect(done.state).toBe('COMPLETED');
    const queued = done.events.filter((event: { kind: string }) => event.kind === 'QUEUED');
    expect(queued).toHaveLength(1);
    console.log(`with the API cut off from Temporal, a worker delivered the start ${Date.parse(queued[0].at) - Date.parse(done.events[0].at)} ms after the request`);
    const [command] = await stack.orm.em.fork().execute<{ delivered_at: Date | null }[]>('select "delivered_at" from "engine_outbox" where "subject_id" = ?', [job.id]);
    // Only the worker can have delivered it: the API's Temporal is a closed port.
    expect(command?.delivered_at).not.toBeNull();
  }, 120_000);
});
