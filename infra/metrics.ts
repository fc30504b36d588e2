/**
 * Prometheus metrics (prom-client), one registry a process: served at /metrics by the API
 * (api/http-server.ts) and by the worker's metrics listener (`startMetricsServer`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { logger } from './logger';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'steward_' });

/** From a second to an hour: a Custom Command takes under a second, a rotation a few, a client task minutes. */
const JOB_SECONDS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];
const SSH_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

const jobDuration = new Histogram({
  name: 'steward_job_duration_seconds',
  help: 'From a job starting on a worker to its final state, by job type and final state.',
  labelNames: ['type', 'state'],
  buckets: JOB_SECONDS,
  registers: [metricsRegistry],
});

const jobQueueWait = new Histogram({
  name: 'steward_job_queue_wait_seconds',
  help: 'From the time a job was due to its start on a worker (time windows, locks and queueing), by job type.',
  labelNames: ['type'],
  buckets: JOB_SECONDS,
  registers: [metricsRegistry],
});

const jobsFinished = new Counter({
  name: 'steward_jobs_finished_total',
  help: 'Jobs that reached a final state in this process, by job type and final state.',
  labelNames: ['type', 'state'],
  registers: [metricsRegistry],
});

const sshDuration = new Histogram({
  name: 'steward_ssh_duration_seconds',
  help: 'SSH work on managed hosts: connecting (with authentication) and each command, by outcome.',
  labelNames: ['operation', 'outcome'],
  buckets: SSH_SECONDS,
  registers: [metricsRegistry],
});

/** What the database says at scrape time; a process with a database registers how to read it. */
export interface DatabaseGauges {
  /** Jobs not yet in a final state, by state and type. */
  openJobs: { state: string; type: string; count: number }[];
  /** Age of the oldest engine command not yet delivered to Temporal; 0 when none waits. */
  outboxLagSeconds: number;
}

let readDatabaseGauges: (() => Promise<DatabaseGauges>) | null = null;
let lastRead: Promise<DatabaseGauges | null> | null = null;
/** Both gauges are filled by one read per scrape; while the database is away they are left out and the rest is served. */
const databaseGauges = (): Promise<DatabaseGauges | null> => {
  lastRead ??= (readDatabaseGauges?.() ?? Promise.resolve(null))
    .catch((error: unknown) => {
      logger.warn(`metrics: could not read the database gauges: ${(error as Error).message}`);
      return null;
    })
    .finally(() => setImmediate(() => (lastRead = null)));
  return lastRead;
};

new Gauge({
  name: 'steward_jobs',
  help: 'Jobs not yet in a final state (Scheduled, Running), by state and type, read from the database at scrape time. Finished jobs are counted by steward_job_duration_seconds_count and steward_jobs_finished_total.',
  labelNames: ['state', 'type'],
  registers: [metricsRegistry],
  async collect() {
    const gauges = await databaseGauges();
    this.reset();
    for (const { state, type, count } of gauges?.openJobs ?? []) this.set({ state, type }, count);
  },
});

new Gauge({
  name: 'steward_engine_outbox_lag_seconds',
  help: 'Age of the oldest command to Temporal not yet delivered from the engine outbox; 0 when it is empty.',
  registers: [metricsRegistry],
  async collect() {
    const gauges = await databaseGauges();
    if (gauges) this.set(gauges.outboxLagSeconds);
  },
});

export function registerDatabaseGauges(read: () => Promise<DatabaseGauges>): void {
  readDatabaseGauges = read;
}

/** The job figures services report (services/ports.ts `JobMetrics`). */
export const jobMetrics = {
  started(type: string, queueWaitSeconds: number): void {
    jobQueueWait.observe({ type }, Math.max(0, queueWaitSeconds));
  },
  finished(type: string, state: string, durationSeconds: number | null): void {
    jobsFinished.inc({ type, state });
    if (durationSeconds !== null) jobDuration.observe({ type, state }, Math.max(0, durationSeconds));
  },
};

/** Times one piece of SSH work. */
export async function timeSsh<T>(operation: 'connect' | 'exec', work: () => Promise<T>): Promise<T> {
  const end = sshDuration.startTimer({ operation });
  try {
    const result = await work();
    end({ outcome: 'ok' });
    return result;
  } catch (error) {
    end({ outcome: 'error' });
    throw error;
  }
}

/** The exposition text: this registry's, then whatever `more` adds (the Temporal SDK's own metrics, on the worker). */
export async function metricsText(more?: () => Promise<string>): Promise<string> {
  const own = await metricsRegistry.metrics();
  return more ? `${own}\n${await more()}` : own;
}

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

/**
 * The worker's listener, as it has no other HTTP server: /metrics, and /healthz for health checks
 * (docker-compose.yml), which answers 200 while `unhealthy` says nothing is wrong and 503 with its reason otherwise.
 */
export async function startMetricsServer(port: number, more?: () => Promise<string>, unhealthy?: () => string | null): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz' && unhealthy) {
      const reason = unhealthy();
      res.writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' }).end(reason ?? 'ok');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics');
      return;
    }
    metricsText(more).then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}`),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
