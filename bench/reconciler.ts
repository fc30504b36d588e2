/**
 * Benchmark of one reconciliation pass (services/jobs/reconciler.ts) over 100,000 open jobs.
 *
 * A scratch database gets 100,000 records with one open (Scheduled) job each, written straight
 * with SQL, and a Temporal dev server of its own gets a running workflow for every job but 1,000
 * (starts that never reached Temporal). The workflows sit on a task queue no worker serves, with
 * a start delay, so they stay Running, as scheduled jobs do. Starting them takes most of the run.
 *
 * It then times, in the same run: the old way on the first 2,000 jobs (one describe per job, in
 * turn), and one pass of the reconciler over all of them (one visibility query per 1,000 jobs, and
 * a describe only for those visibility does not list). Both finish the jobs whose workflow is
 * missing. No assertions on timing.
 *
 *   npm run bench:reconciler [-- --jobs 100000 --missing 1000 --baseline 2000]
 */
import 'reflect-metadata';
import { withScratchEngine } from './harness/scratch-engine';
import { Client } from '@temporalio/client';
import { openDatabase } from '../db/database';
import { forEachAtMost } from '../lib/concurrency';
import { JobState } from '../lib/enums';
import { createServices } from '../services';
import { temporalPorts } from '../temporal/ports';
import { TemporalJobLauncher } from '../temporal/temporal-job-launcher';

const STARTS_AT_ONCE = 64;

function setting(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
}

const JOBS = setting('jobs', 100_000);
const MISSING = setting('missing', 1_000);
const BASELINE = setting('baseline', 2_000);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString('en-US');

/** 100,000 records with one open job each, in a few statements. */
async function insertOpenJobs(databaseUrl: string): Promise<{ id: string; workflowId: string }[]> {
  const orm = await openDatabase(databaseUrl);
  try {
    const em = orm.em.fork();
    const [type] = await em.execute<{ id: string }[]>(`insert into record_types (id, name) values (gen_random_uuid(), 'bench') returning id`);
    await em.execute(
      `insert into records (id, record_type_id, name, host, username, encrypted_password, host_key_fingerprint)
       select gen_random_uuid(), ?, 'bench-' || n, 'host-' || n || '.example', 'svc', 'sealed', 'SHA256:bench' from generate_series(1, ?) n`,
      [type!.id, JOBS],
    );
    await em.execute(
      `insert into jobs (id, record_id, task_name, type, state, node_name, workflow_id, scheduled_for, created_at)
       select id, record_id, 'Rotate password', 'SCHEDULED', 'SCHEDULED', 'local', 'job-' || id, now() + interval '30 days', now() - interval '1 hour'
       from (select gen_random_uuid() id, id record_id from records) r`,
    );
    const jobs = await em.execute<{ id: string; workflow_id: string }[]>(`select id, workflow_id from jobs order by id`);
    return jobs.map((job) => ({ id: job.id, workflowId: job.workflow_id }));
  } finally {
    await orm.close();
  }
}

/** The reconciler before batching: one describe per open job, in turn. */
async function reconcileOneByOne(databaseUrl: string, client: Client, masterKey: Buffer, jobs: { id: string; workflowId: string }[]): Promise<number> {
  const orm = await openDatabase(databaseUrl);
  try {
    const launcher = new TemporalJobLauncher(client);
    const services = createServices(orm.em.fork(), temporalPorts(client, masterKey));
    let changed = 0;
    for (const job of jobs) {
      if ((await launcher.workflowStatus(job.workflowId)) !== 'NOT_FOUND') continue;
      await services.jobs.finish(job.id, JobState.ERROR, 'Its workflow no longer exists in Temporal');
      changed++;
    }
    return changed;
  } finally {
    await orm.close();
  }
}

async function main(): Promise<void> {
  await withScratchEngine('reconciler', async ({ client, databaseUrl, masterKey }) => {
    let started = Date.now();
    const jobs = await insertOpenJobs(databaseUrl);
    const missingEvery = MISSING ? Math.floor(JOBS / MISSING) : Infinity;
    const withWorkflow = jobs.filter((_, index) => index % missingEvery !== 0 || index / missingEvery >= MISSING);
    console.log(`${count(JOBS)} open jobs written in ${seconds(Date.now() - started)}; starting ${count(withWorkflow.length)} workflows (${count(JOBS - withWorkflow.length)} jobs get none)`);
    started = Date.now();
    let done = 0;
    await forEachAtMost(withWorkflow, STARTS_AT_ONCE, async (job) => {
      await client.workflow.start('vaultTaskJob', { workflowId: job.workflowId, taskQueue: 'steward.bench-nobody', args: [{ jobId: job.id }], startDelay: '30 days' });
      if (++done % 10_000 === 0) console.log(`  ${count(done)} started (${seconds(Date.now() - started)})`);
    });
    for (;;) {
      const { count: visible } = await client.workflow.count(`ExecutionStatus = 'Running'`);
      if (visible >= withWorkflow.length) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    console.log(`${count(withWorkflow.length)} workflows started and visible in ${seconds(Date.now() - started)}`);

    started = Date.now();
    const sample = jobs.slice(0, BASELINE);
    const changedOneByOne = await reconcileOneByOne(databaseUrl, client, masterKey, sample);
    const oneByOneMs = Date.now() - started;
    console.log(`old, one describe per job: ${count(sample.length)} jobs in ${seconds(oneByOneMs)} (${(oneByOneMs / sample.length).toFixed(2)} ms a job, ${count(changedOneByOne)} ended)`);

    const orm = await openDatabase(databaseUrl);
    try {
      let batches = 0;
      let checked = 0;
      started = Date.now();
      const changed = await createServices(orm.em.fork(), temporalPorts(client, masterKey)).reconciler.reconcileOpenJobs(10_000, (progress) => {
        batches++;
        checked = progress.checked;
      });
      const batchedMs = Date.now() - started;
      console.log(`new, one visibility query per batch: ${count(checked)} jobs in ${seconds(batchedMs)} (${batches} batches, ${(batchedMs / checked).toFixed(3)} ms a job, ${count(changed)} ended)`);
      console.log(`per job, the batched pass takes 1/${((oneByOneMs / sample.length) / (batchedMs / checked)).toFixed(1)} of the time; the old way would take about ${seconds((oneByOneMs / sample.length) * checked)} for these ${count(checked)} jobs`);
    } finally {
      await orm.close();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
