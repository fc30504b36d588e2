import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JobState } from '../lib/enums';
import { accountGrantedSignal, withLock } from './account-lock';
import { enterState, failureMessage } from './job-state';

export interface ClientTaskJobInput {
  jobId: string;
}

export interface ClientTaskJobResult {
  state: JobState;
}

/** Without a "stop the task if it runs longer than" limit, a client task may run this long. */
const DEFAULT_RUN_LIMIT_MS = 60 * 60_000;

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** The SSH work on the endpoint: heartbeats, stops on the host when cancelled, and is not retried after a permanent failure. */
function endpointActivities(limitMs: number) {
  return proxyActivities<Activities>({
    scheduleToCloseTimeout: limitMs + 60_000,
    startToCloseTimeout: limitMs + 30_000,
    heartbeatTimeout: '30 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3, nonRetryableErrorTypes: ['PermanentJobError'] },
  });
}

/** Runs the task on the host, stopping it there when it runs longer than its limit. Returns the job's one-line result. */
async function runOnHost(jobId: string, limitMs: number): Promise<string> {
  const { runClientTaskOnSystem } = endpointActivities(limitMs);
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
  let result: string;
  try {
    result = await runOnHost(jobId, limitMs);
  } catch (error) {
    const cancelled = isCancellation(error);
    const state = cancelled ? JobState.CANCELLED : JobState.ERROR;
    await CancellationScope.nonCancellable(() => bookkeeping.finishJob({ jobId, state, result: cancelled ? 'Cancelled' : failureMessage(error) }));
    enterState(state, cancelled ? 'Cancelled' : 'Failed');
    if (cancelled) throw error;
    throw ApplicationFailure.nonRetryable(failureMessage(error), 'JobFailed');
  }
  await bookkeeping.finishJob({ jobId, state: JobState.COMPLETED, result });
  enterState(JobState.COMPLETED, 'Completed');
  return { state: JobState.COMPLETED };
}

/**
 * One run of a client task on one system, `job-<jobId>`, started by its run's workflow when due.
 * At most one client task runs on a system at a time: the others wait their turn on the system's lock.
 */
export async function clientTaskJob({ jobId }: ClientTaskJobInput): Promise<ClientTaskJobResult> {
  let granted = false;
  setHandler(accountGrantedSignal, () => {
    granted = true;
  });
  try {
    const plan = await bookkeeping.getClientJobPlan({ jobId });
    if (!plan.runnable) return { state: JobState.CANCELLED };
    const lock = { jobId, lockWorkflowId: plan.lockWorkflowId, account: plan.lockLabel };
    return await withLock(lock, () => granted, () => runJob(jobId, plan.runLimitMs ?? DEFAULT_RUN_LIMIT_MS));
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => bookkeeping.finishJob({ jobId, state: JobState.CANCELLED, result: 'Cancelled' }));
      enterState(JobState.CANCELLED, 'Cancelled');
    }
    throw error;
  }
}
