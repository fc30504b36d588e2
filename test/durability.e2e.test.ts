import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { canLogin, withSshSession } from '../infra/ssh';
import { startDevServer, waitForPort } from '../scripts/temporal-dev-server';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { TEST_MASTER_KEY, testEnvironment } from './harness/test-env';
import {
  createRotatableRecord,
  finishedJob,
  getJob,
  type RotatableRecord,
  runOnDemand,
  scheduleRun,
  sshTarget,
  unlock,
} from './harness/vault-fixtures';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';
import { freePort } from './harness/ports';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kinds = (job: { events: { kind: string }[] }) => job.events.map((event) => event.kind);
const count = (values: string[], value: string) => values.filter((candidate) => candidate === value).length;

async function registerNode(stack: StewardStack, token: string, name: string): Promise<void> {
  const result = await stack.graphql(
    'mutation ($input: RegisterNodeInput!) { registerNode(input: $input) { node { name } } }',
    { input: { name, description: 'served only by a worker process the durability test kills' } },
    token,
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
}

/**
 * Makes `passwd` take `seconds` longer for this account on the host: a function in the
 * account's ~/.bashrc, which bash sources for commands sshd runs (Debian builds bash with
 * SSH_SOURCE_BASHRC). It goes first: Debian's skeleton .bashrc returns early when not interactive.
 */
async function slowPasswdOnHost(record: RotatableRecord, seconds: number): Promise<void> {
  const home = execFileSync('getent', ['passwd', record.username], { encoding: 'utf8' }).trim().split(':')[5]!;
  const bashrc = path.join(home, '.bashrc');
  let existing = '';
  try {
    existing = readFileSync(bashrc, 'utf8');
  } catch {
    // no .bashrc yet
  }
  writeFileSync(bashrc, `passwd() { sleep ${seconds}; command passwd "$@"; }\n${existing}`);
  const seen = await withSshSession(sshTarget(record.username, record.initialPassword), (session) => session.exec('type -t passwd'));
  if (seen.stdout.trim() !== 'function') {
    throw new Error(`the host's bash did not pick up the slow passwd from ${bashrc} (type -t passwd: ${JSON.stringify(seen.stdout)})`);
  }
}

/** True while a process named `name` of the account runs on the host. */
function hostRuns(username: string, name: string): boolean {
  try {
    execFileSync('pgrep', ['-u', username, '-x', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('durability: a worker killed in the middle of a rotation', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;
  const workers: WorkerProcess[] = [];
  const node = uniqueName('durable');

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    token = await stack.signIn(ADMIN_ROLES);
    await registerNode(stack, token, node);
    record = await createRotatableRecord(stack, token, { executionNode: node });
    await slowPasswdOnHost(record, 8);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await record?.removeUser();
    await stack?.stop();
  });

  it('finishes the job exactly once after a new worker starts, and the vault holds the password that works on the host', async () => {
    const first = await startWorkerProcess({ nodeName: node });
    workers.push(first);
    const queued = await runOnDemand(stack, token, record.recordId, record.taskId);

    // The change is in flight: the new password is pending and `passwd` is running on the host.
    await eventually(async () => {
      const job = await getJob(stack, token, queued.id);
      const prepared = job.events.some((event: { message: string }) => event.message.startsWith('Generated a new password'));
      return prepared && hostRuns(record.username, 'sleep') ? true : undefined;
    }, 60_000, 'the password change to be in flight on the host');

    await first.stop('SIGKILL');
    const killedAt = Date.now();
    expect(first.child.signalCode).toBe('SIGKILL');
    const interrupted = await getJob(stack, token, queued.id);
    expect(interrupted.state).toBe('RUNNING');
    console.log(`killed the worker of node ${node} (SIGKILL) in the middle of the rotation; job events so far: ${kinds(interrupted).join(', ')}`);

    const second = await startWorkerProcess({ nodeName: node });
    workers.push(second);
    const restartedAt = Date.now();
    const job = await finishedJob(stack, token, queued.id, 180_000);
    const doneAt = Date.now();
    console.log(
      `after SIGKILL the job finished ${job.state} ${doneAt - killedAt} ms later ` +
        `(new worker serving after ${restartedAt - killedAt} ms, then ${doneAt - restartedAt} ms to finish); events: ` +
        job.events.map((event: { kind: string; message: string }) => `${event.kind} ${event.message}`).join(' | '),
    );

    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: node, result: 'Completed' });
    const events = kinds(job);
    expect(count(events, 'STARTED')).toBe(1);
    expect(count(events, 'COMPLETED')).toBe(1);
    expect(count(events, 'FAILED')).toBe(0);
    expect(job.events.map((event: { message: string }) => event.message)).toContain('Changing the password on the host: attempt 2');
    expect(count(events, 'STEP')).toBeGreaterThanOrEqual(4);

    // One job, one retired password, one promotion.
    const connection = stack.orm.em.fork().getConnection();
    const jobsOfRecord = await connection.execute('select id from jobs where record_id = ?', [record.recordId]);
    expect(jobsOfRecord).toHaveLength(1);
    const history = await connection.execute('select id from password_history where record_id = ?', [record.recordId]);
    expect(history).toHaveLength(1);
    const [row] = await connection.execute<{ encrypted_pending_password: string | null }[]>(
      'select encrypted_pending_password from records where id = ?',
      [record.recordId],
    );
    expect(row!.encrypted_pending_password).toBeNull();
    // Job History shows Completed a moment before the workflow closes (it still releases the account lock).
    const handle = stack.client.workflow.getHandle(queued.workflowId);
    await eventually(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), 30_000, 'the workflow to complete');

    const password = await unlock(stack, token, record.recordId);
    expect(password).not.toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(false);
  }, 300_000);
});

/** A database of its own, migrated like production: jobs in it belong to a Temporal server no other Steward knows. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(testEnvironment().databaseUrl);
  const name = `steward_durability_${process.pid}_${Date.now()}`;
  url.pathname = `/${name}`;
  const onMaintenance = async (statement: string) => {
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new PgClient({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const migrate = spawn(
    process.execPath,
    [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.resolve(__dirname, '..', 'scripts', 'migrate.ts')],
    { env: { ...process.env, DATABASE_URL: url.toString(), STEWARD_ADMIN_USERNAME: 'admin', STEWARD_ADMIN_PASSWORD: 'test-admin-password' } },
  );
  let output = '';
  migrate.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  migrate.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => migrate.once('exit', resolve));
  if (code !== 0) throw new Error(`migrating ${name} failed:\n${output}`);
  return { url: url.toString(), drop: () => onMaintenance(`drop database if exists ${name} with (force)`) };
}

/** Starts Steward (API, worker of node local, client) against another Temporal server and database. */
async function startStewardStackOn(temporalAddress: string, databaseUrl: string): Promise<StewardStack> {
  // startStewardStack reads the shared services from the environment once, while it starts.
  const key = 'STEWARD_TEST_ENV';
  const shared = process.env[key]!;
  process.env[key] = JSON.stringify({ ...testEnvironment(), temporalAddress, databaseUrl });
  try {
    return await startStewardStack();
  } finally {
    process.env[key] = shared;
  }
}

interface OwnDevServer {
  address: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A Temporal dev server of this test only, persisting to a SQLite file so it can be restarted. */
async function ownDevServer(dbFile: string): Promise<OwnDevServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  return {
    address: `127.0.0.1:${port}`,
    async start() {
      child = startDevServer({ executable: testEnvironment().temporalCli, port, uiPort: 0, headless: true, dbFile });
      await waitForPort(port);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
  };
}

describe('durability: jobs sleeping on timers while the Temporal server restarts', () => {
  let dir: string;
  let server: OwnDevServer;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let stack: StewardStack | undefined;
  let token: string;
  let record: RotatableRecord | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'steward-durability-'));
    server = await ownDevServer(path.join(dir, 'temporal.db'));
    const [created] = await Promise.all([freshDatabase(), server.start()]);
    database = created;
    stack = await startStewardStackOn(server.address, database.url);
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
  }, 120_000);

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
    await server?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('fires both timers after the restart, at or after their time', async () => {
    expect(stack!.masterKey.toString('base64')).toBe(TEST_MASTER_KEY);
    const now = Date.now();
    // The first comes due while the server is down, the second after it is back.
    const early = await scheduleRun(stack!, token, record!.recordId, record!.taskId, new Date(now + 15_000));
    const late = await scheduleRun(stack!, token, record!.recordId, record!.taskId, new Date(now + 35_000));
    for (const job of [early, late]) {
      const handle = stack!.client.workflow.getHandle(job.workflowId);
      await eventually(async () => {
        const history = await handle.fetchHistory();
        return history.events?.some((event) => event.timerStartedEventAttributes) ? true : undefined;
      }, 15_000, `${job.workflowId} to sleep on its timer`);
    }

    const stoppedAt = Date.now();
    await server.stop();
    const downAt = Date.now();
    console.log(`the Temporal dev server stopped (SIGTERM) in ${downAt - stoppedAt} ms, ${downAt - now} ms after scheduling`);
    expect((await getJob(stack!, token, early.id)).state).toBe('SCHEDULED');
    // Stay down until the first job is overdue.
    await sleep(Math.max(0, now + 17_000 - Date.now()));
    const restartingAt = Date.now();
    await server.start();
    console.log(`the Temporal dev server was down ${restartingAt - downAt} ms and took ${Date.now() - restartingAt} ms to listen again`);

    const results = await Promise.all([early, late].map((job) => finishedJob(stack!, token, job.id, 120_000)));
    for (const job of results) {
      expect(job).toMatchObject({ state: 'COMPLETED', type: 'SCHEDULED', nodeName: 'local', result: 'Completed' });
      expect(Date.parse(job.startedAt)).toBeGreaterThanOrEqual(Date.parse(job.scheduledFor));
      expect(count(kinds(job), 'STARTED')).toBe(1);
      expect(count(kinds(job), 'COMPLETED')).toBe(1);
      console.log(`job due at ${job.scheduledFor} started ${Date.parse(job.startedAt) - Date.parse(job.scheduledFor)} ms late and finished at ${job.finishedAt}`);
    }
    // The first fired only once the server was back, the second on time.
    expect(Date.parse(results[0].startedAt)).toBeGreaterThanOrEqual(restartingAt);
  }, 180_000);
});
