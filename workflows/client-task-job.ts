import { ApplicationFailure, CancellationScope, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JobState } from '../lib/enums';
import { hostRun, JOB_BOOKKEEPING } from './activity-profiles';
import { lockGrantedSignal, withLock } from './resource-lock';
import { enterState, type JobResult, recordingCancellation, runAndRecord } from './job-state';

export interface ClientTaskJobInput {
  jobId: string;
}

export type ClientTaskJobResult = JobResult;

/** Without a "stop the task if it runs longer than" limit, a client task may run this long. */
const DEFAULT_RUN_LIMIT_MS = 60 * 60_000;

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);

/** Runs the task on the host, stopping it there when it runs longer than its limit. Returns the job's one-line result. */
async function runOnHost(jobId: string, limitMs: number): Promise<string> {
  const { runClientTaskOnSystem } = proxyActivities<Activities>(hostRun(limitMs));
  const scope = new CancellationScope();
  const work = scope.run(() => runClientTaskOnSystem({ jobId }));
  const overran = await Promise.race([work.then(() => false), sleep(limitMs).then(() => true)]).catch(async (error: unknown) => {
    await work.catch(() => undefined); // a cancelled job waits until the task is stopped on the host
    throw error;
  });
  if (!overran) return work;
  scope.cancel();
  await work.catch(() => undefined);
  throw ApplicationFailure.nonRetryable(`Stopped: it ran longer than ${Math.round(limitMs / 60_000)} minute(s)`, 'JobOverran');
}

/** Marks the job Running on the approved version of its task, runs it, and records how it ended. */
async function runJob(jobId: string, limitMs: number): Promise<ClientTaskJobResult> {
  const start = await bookkeeping.startClientJob({ jobId });
  if (start.state !== JobState.RUNNING) {
    enterState(start.state, start.reason);
    return { state: start.state };
  }
  enterState(JobState.RUNNING, 'Running on the endpoint');
  return runAndRecord(jobId, () => runOnHost(jobId, limitMs));
}

/**
 * One run of a client task on one system, `job-<jobId>`, started by its run's workflow when due.
 * At most one client task runs on a system at a time: the others wait their turn on the system's lock.
 */
export async function clientTaskJob({ jobId }: ClientTaskJobInput): Promise<ClientTaskJobResult> {
  let granted = false;
  setHandler(lockGrantedSignal, () => {
    granted = true;
  });
  return recordingCancellation(jobId, async () => {
    const plan = await bookkeeping.getClientJobPlan({ jobId });
    if (!plan.runnable) return { state: JobState.CANCELLED };
    const lock = { jobId, lockWorkflowId: plan.lockWorkflowId, account: plan.lockLabel };
    return withLock(lock, () => granted, () => runJob(jobId, plan.runLimitMs ?? DEFAULT_RUN_LIMIT_MS));
  });
}
