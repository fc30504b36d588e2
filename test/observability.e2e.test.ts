/**
 * Logs and metrics, from the outside: a rotation run by a worker as its own process (the way
 * production runs it) leaves JSON lines that name its job and never a password; the worker's and
 * the API's /metrics show the job; and Job History counts its matches only when asked to.
 */
import { connect } from 'node:net';
import { logger } from '../infra/logger';
import { startMetricsServer } from '../infra/metrics';
import { freePort } from './harness/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';
import { createRotatableRecord, type RotatableRecord, runOnDemand, unlock } from './harness/vault-fixtures';

/** One sample of a Prometheus text exposition: the value of `name` with exactly these labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('logs and metrics', () => {
  let stack: StewardStack;
  let worker: WorkerProcess;
  let workerMetricsPort: number;
  let token: string;
  let record: RotatableRecord;
  let jobId: string;

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token);
    workerMetricsPort = await freePort();
    worker = await startWorkerProcess({
      nodeName: 'local',
      extraEnv: { STEWARD_WORKER_METRICS_PORT: String(workerMetricsPort), STEWARD_TEMPORAL_SDK_METRICS_PORT: String(await freePort()) },
    });
    jobId = (await runOnDemand(stack, token, record.recordId, record.taskId)).id;
    await eventually(async () => {
      const result = await stack.graphql<{ job: { state: string } }>(`query ($id: ID!) { job(id: $id) { state } }`, { id: jobId }, token);
      expect(['SCHEDULED', 'RUNNING', 'COMPLETED']).toContain(result.data?.job.state);
      return result.data?.job.state === 'COMPLETED' ? true : undefined;
    }, 90_000, 'the rotation to complete');
  });

  afterAll(async () => {
    await worker?.stop();
    await record?.removeUser();
    await stack?.stop();
  });

  it('the worker writes only JSON lines; its activities name their job and workflow; no password appears', async () => {
    const newPassword = await unlock(stack, token, record.recordId);
    const output = worker.logs();
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    for (const entry of entries) {
      expect(typeof entry.level).toBe('string');
      expect(Number.isNaN(Date.parse(entry.time as string))).toBe(false);
      expect(typeof entry.msg).toBe('string');
    }
    expect(entries.find((entry) => (entry.msg as string).includes('serving task queue'))).toMatchObject({ level: 'info', taskQueue: 'steward.local' });

    const activityLines = entries.filter((entry) => entry.jobId === jobId);
    expect(activityLines.map((entry) => entry.activity)).toEqual(
      expect.arrayContaining(['getJobPlan', 'startJob', 'preparePendingPassword', 'changePasswordOnHost', 'verifyPendingPassword', 'promotePendingPassword', 'finishJob']),
    );
    for (const entry of activityLines) expect(entry.workflowId).toBe(`job-${jobId}`);

    expect(output).not.toContain(newPassword);
    expect(output).not.toContain(record.initialPassword);
  });

  it("the worker's /metrics has the job's duration and queue wait, its SSH work, and the Temporal SDK's own metrics", async () => {
    const text = await scrape(`http://127.0.0.1:${workerMetricsPort}/metrics`);
    const duration = { type: 'ON_DEMAND', state: 'COMPLETED' };
    expect(sample(text, 'steward_job_duration_seconds_count', duration)).toBeGreaterThanOrEqual(1);
    // A rotation takes at least its SSH round trips, and on this machine well under two minutes.
    const seconds = sample(text, 'steward_job_duration_seconds_sum', duration)!;
    expect(seconds).toBeGreaterThan(0.05);
    expect(seconds).toBeLessThan(120);
    expect(sample(text, 'steward_jobs_finished_total', duration)).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'steward_job_queue_wait_seconds_count', { type: 'ON_DEMAND' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'steward_job_queue_wait_seconds_sum', { type: 'ON_DEMAND' })).toBeLessThan(60);
    // Connecting with the new password and the old one, the passwd change and the checks.
    expect(sample(text, 'steward_ssh_duration_seconds_count', { operation: 'connect', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'steward_ssh_duration_seconds_count', { operation: 'exec', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toContain('# TYPE steward_jobs gauge');
  });

  it("the worker's /healthz answers 200 while it serves its queue, and 503 with the reason when its check fails", async () => {
    const healthy = await fetch(`http://127.0.0.1:${workerMetricsPort}/healthz`);
    expect({ status: healthy.status, body: await healthy.text() }).toEqual({ status: 200, body: 'ok' });
    const draining = await startMetricsServer(0, undefined, () => 'the worker is draining');
    try {
      const refused = await fetch(`http://127.0.0.1:${draining.port}/healthz`);
      expect({ status: refused.status, body: await refused.text() }).toEqual({ status: 503, body: 'the worker is draining' });
    } finally {
      await draining.close();
    }
  });

  it("the API's /metrics reads open jobs and the outbox's lag from the database, and every response names its request", async () => {
    const response = await fetch(stack.api.url.replace('/graphql', '/metrics'), { headers: { 'x-request-id': 'scrape-1' } });
    expect(response.headers.get('x-request-id')).toBe('scrape-1');
    const text = await response.text();
    expect(text).toContain('# TYPE steward_jobs gauge');
    const lag = sample(text, 'steward_engine_outbox_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60);
    expect(sample(text, 'steward_process_resident_memory_bytes')).toBeGreaterThan(0);

    const generated = await fetch(stack.api.url.replace('/graphql', '/healthz'));
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a client that hangs up while sending its request is logged as gone, not as a lost database', async () => {
    const errors: string[] = [];
    const infos: string[] = [];
    const errorSpy = jest.spyOn(logger, 'error').mockImplementation(((_fields: unknown, message: string) => void errors.push(message)) as never);
    const infoSpy = jest.spyOn(logger, 'info').mockImplementation(((_fields: unknown, message: string) => void infos.push(message)) as never);
    try {
      const { port } = new URL(stack.api.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query":`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.resetAndDestroy();
      await eventually(async () => (infos.includes('the client closed the connection before its request was read') ? true : undefined), 10_000, 'the hang-up to be logged');
      expect(errors).toEqual([]);
    } finally {
      errorSpy.mockRestore();
      infoSpy.mockRestore();
    }
  });

  it('Job History counts every match only when a query selects totalCount', async () => {
    const queries: string[] = [];
    const spy = jest.spyOn(logger, 'info').mockImplementation(((fields: { namespace?: string }, message: string) => {
      if (fields?.namespace === 'query') queries.push(message);
    }) as never);
    // Set through the configuration: MikroORM puts its logger back to the configured mode whenever the configuration changes.
    stack.orm.config.set('debug', ['query']);
    try {
      const page = `query ($recordId: ID!) { jobs(first: 1, filter: { recordId: $recordId }) { edges { node { id } } pageInfo { hasNextPage } } }`;
      const withoutCount = await stack.graphql<{ jobs: { edges: { node: { id: string } }[] } }>(page, { recordId: record.recordId }, token);
      expect(withoutCount.data?.jobs.edges.map((edge) => edge.node.id)).toEqual([jobId]);
      const counts = () => queries.filter((query) => /select count\(/i.test(query)).length;
      expect(queries.some((query) => /from "jobs"/.test(query))).toBe(true);
      expect(counts()).toBe(0);

      const counted = await stack.graphql<{ jobs: { totalCount: number } }>(
        `query ($recordId: ID!) { jobs(first: 1, filter: { recordId: $recordId }) { totalCount } }`,
        { recordId: record.recordId },
        token,
      );
      expect(counted.data?.jobs.totalCount).toBe(1);
      expect(counts()).toBe(1);
    } finally {
      stack.orm.config.set('debug', false);
      spy.mockRestore();
    }
  });
});
