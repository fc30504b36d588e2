/**
 * P5: signal to reaction, p95, each in turn on one record:
 * - cancel: cancelJob on a running Custom Command `sleep`, until Job History says Cancelled and
 *   the command is gone from the host (the sshd runs on this machine, so pgrep sees it);
 * - run now: runJob on a job scheduled for later, until Job History says Running (or Completed);
 * - last session ended: endSession on the last of two sessions, until the deferred After Session
 *   job starts.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { eventually } from '../test/harness/steward';
import { createRotatableRecord, runOnDemand, scheduleRun } from '../test/harness/vault-fixtures';
import { addCustomCommand, type BenchStack, gql, jobState, POLL_MS, untilState } from './harness/fixtures';
import { type BenchRow, latencies, ms, percentile } from './harness/results';

const TARGET_MS = 1_000;
const STARTED = ['RUNNING', 'COMPLETED'];

function runsOnHost(pattern: string): boolean {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
}

/** Waits until the job's workflow is up in Temporal, so the signal meets a waiting workflow, not a start. */
async function workflowRunning(bench: BenchStack, workflowId: string): Promise<void> {
  await eventually(async () => {
    const description = await bench.stack.client.workflow.getHandle(workflowId).describe().catch(() => undefined);
    return description?.status.name === 'RUNNING' ? true : undefined;
  }, 60_000, `workflow ${workflowId} to run`, POLL_MS);
}

/** How long after the cancel Job History said Cancelled, and the command was gone from the host; the reaction is the later of the two. */
interface CancelTimes {
  shownCancelledMs: number;
  goneFromHostMs: number;
}

async function cancelOnce(bench: BenchStack, recordId: string): Promise<CancelTimes> {
  // A duration nobody else uses marks the command on the host; the bracket keeps pgrep from matching itself.
  const seconds = `30.${randomInt(100_000, 999_999)}`;
  const pattern = seconds.replace('.', '[.]');
  const taskId = await addCustomCommand(bench, recordId, `sleep ${seconds}`);
  const job = await runOnDemand(bench.stack, bench.token, recordId, taskId);
  await eventually(async () => (runsOnHost(pattern) ? true : undefined), 60_000, 'the sleep to run on the host', POLL_MS);
  const sentAt = Date.now();
  await gql(bench, 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { id } } }', { input: { jobId: job.id } });
  let shownCancelledMs: number | undefined;
  let goneFromHostMs: number | undefined;
  await eventually(
    async () => {
      if ((await jobState(bench, job.id)) === 'CANCELLED') shownCancelledMs ??= Date.now() - sentAt;
      if (!runsOnHost(pattern)) goneFromHostMs ??= Date.now() - sentAt;
      return shownCancelledMs !== undefined && goneFromHostMs !== undefined ? true : undefined;
    },
    60_000,
    'the cancel to take effect',
    POLL_MS,
  );
  return { shownCancelledMs: shownCancelledMs!, goneFromHostMs: goneFromHostMs! };
}

async function runNowOnce(bench: BenchStack, recordId: string, taskId: string): Promise<number> {
  const job = await scheduleRun(bench.stack, bench.token, recordId, taskId, new Date(Date.now() + 60 * 60_000));
  await workflowRunning(bench, job.workflowId);
  const sentAt = Date.now();
  await gql(bench, 'mutation ($input: JobActionInput!) { runJob(input: $input) { job { id } } }', { input: { jobId: job.id } });
  const reacted = await untilState(bench, job.id, STARTED, sentAt);
  await untilState(bench, job.id, ['COMPLETED'], sentAt);
  return reacted;
}

async function lastSessionEndedOnce(bench: BenchStack, recordId: string, seen: Set<string>): Promise<number> {
  const start = async () =>
    (await gql(bench, 'mutation ($input: StartSessionInput!) { startSession(input: $input) { session { id } } }', { input: { recordId, subject: 'bench' } })).startSession.session.id as string;
  const end = (sessionId: string) => gql(bench, 'mutation ($input: SessionRefInput!) { endSession(input: $input) { session { endedAt } } }', { input: { sessionId } });
  const first = await start();
  const last = await start();
  await end(first);
  const deferred = await eventually(async () => {
    const { record } = await gql(bench, 'query ($id: ID!) { record(id: $id) { jobs(first: 50) { edges { node { id workflowId state triggerEvent } } } } }', { id: recordId });
    return record.jobs.edges.map((edge: any) => edge.node).find((job: any) => job.triggerEvent === 'AFTER_SESSION' && !seen.has(job.id));
  }, 60_000, 'the deferred After Session job', POLL_MS);
  seen.add(deferred.id);
  await workflowRunning(bench, deferred.workflowId);
  if ((await jobState(bench, deferred.id)) !== 'SCHEDULED') throw new Error('the After Session job did not wait for the last session');
  const sentAt = Date.now();
  await end(last);
  const reacted = await untilState(bench, deferred.id, STARTED, sentAt);
  await untilState(bench, deferred.id, ['COMPLETED'], sentAt);
  return reacted;
}

function row(what: string, times: number[], samples: Record<string, unknown> = {}): BenchRow {
  const p95 = percentile(times, 95);
  return { id: 'P5', what, steward: latencies(times), baseline: '–', ratio: null, target: `p95 ≤ ${ms(TARGET_MS)}`, met: p95 <= TARGET_MS, samples: { stewardMs: times, ...samples } };
}

export async function runP5(bench: BenchStack, runs: number): Promise<BenchRow[]> {
  const record = await createRotatableRecord(bench.stack, bench.token, { script: 'VERIFY_PASSWORD' });
  try {
    const { record: type } = await gql(bench, 'query ($id: ID!) { record(id: $id) { recordType { id } } }', { id: record.recordId });
    await gql(bench, 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }', {
      input: { recordTypeId: type.recordType.id, task: { name: 'On last session end', script: 'VERIFY_PASSWORD', policyEvents: ['AFTER_SESSION'], deferUntilSessionsEnd: true } },
    });
    const trueTask = await addCustomCommand(bench, record.recordId, 'true');
    const cancel: CancelTimes[] = [];
    const runNow: number[] = [];
    const sessionEnded: number[] = [];
    const seen = new Set<string>();
    for (let run = 0; run < runs; run++) {
      cancel.push(await cancelOnce(bench, record.recordId));
      runNow.push(await runNowOnce(bench, record.recordId, trueTask));
      sessionEnded.push(await lastSessionEndedOnce(bench, record.recordId, seen));
    }
    return [
      row(
        'cancel a running Custom Command: to Cancelled and gone from the host',
        cancel.map((times) => Math.max(times.shownCancelledMs, times.goneFromHostMs)),
        { shownCancelledMs: cancel.map((times) => times.shownCancelledMs), goneFromHostMs: cancel.map((times) => times.goneFromHostMs) },
      ),
      row('run now on a job scheduled for later: to Running', runNow),
      row('last session ended: to the deferred After Session job Running', sessionEnded),
    ];
  } finally {
    await record.removeUser();
  }
}
