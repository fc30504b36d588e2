import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, waitForPort } from '../scripts/temporal-dev-server';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { TEST_MASTER_KEY, testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, scheduleRun, waitingOnTimer } from './harness/vault-fixtures';
import { freePort } from './harness/ports';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kinds = (job: { events: { kind: string }[] }) => job.events.map((event) => event.kind);
const count = (values: string[], value: string) => values.filter((candidate) => candidate === value).length;

/** Starts Steward (API, worker of node local, client) against another Temporal server and database. */
function startStewardStackOn(temporalAddress: string, databaseUrl: string): Promise<StewardStack> {
  return startStewardStack({ temporalAddress, databaseUrl });
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
  let databaseUrl: string | undefined;
  let stack: StewardStack | undefined;
  let token: string;
  let record: RotatableRecord | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'steward-durability-'));
    server = await ownDevServer(path.join(dir, 'temporal.db'));
    // A database of its own: jobs in it belong to a Temporal server no other Steward knows.
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_durability_${process.pid}`;
    databaseUrl = url.toString();
    await Promise.all([createMigratedDatabase(databaseUrl), server.start()]);
    stack = await startStewardStackOn(server.address, databaseUrl);
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
  }, 120_000);

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
    await server?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('fires both timers after the restart, at or after their time', async () => {
    expect(stack!.masterKey.toString('base64')).toBe(TEST_MASTER_KEY);
    const now = Date.now();
    // The first comes due while the server is down, the second after it is back.
    const early = await scheduleRun(stack!, token, record!.recordId, record!.taskId, new Date(now + 15_000));
    const late = await scheduleRun(stack!, token, record!.recordId, record!.taskId, new Date(now + 35_000));
    for (const job of [early, late]) await waitingOnTimer(stack!.client.workflow.getHandle(job.workflowId), 15_000);

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
