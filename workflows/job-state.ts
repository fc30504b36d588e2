import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JobState } from '../lib/enums';
import { JOB_BOOKKEEPING } from './activity-profiles';
import { JOB_STATE } from './search-attributes';

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);

/** What a job's workflow returns: the state it ended in. */
export interface JobResult {
  state: JobState;
}

/** What a job's workflow says of itself in the Temporal UI: its state as a search attribute, and what it is doing now. */
export function enterState(state: JobState, details: string): void {
  upsertSearchAttributes([{ key: JOB_STATE, value: state }]);
  setCurrentDetails(details);
}

/** The message of an activity failure (its cause), for the job's one-line result. */
export function failureMessage(error: unknown): string {
  const failure = error as { cause?: { message?: string }; message?: string };
  return failure.cause?.message ?? failure.message ?? 'Failed';
}

/** What a job does when its work fails, besides recording it. */
export interface OnFailure {
  /** Runs first, cancelled or not: puts right what the work left half done. */
  settle?: () => Promise<unknown>;
  /** Runs after an Error (not a cancellation) is recorded. */
  afterError?: () => Promise<unknown>;
}

/**
 * Runs a running job's work (which returns the job's one-line result) and records how it ended:
 * Completed with that result, or, when it throws, Cancelled or Error with the failure's message,
 * recorded even though the job is being cancelled. A cancellation is then thrown on, and any
 * other failure fails the workflow as `JobFailed`, not retried.
 */
export async function runAndRecord(jobId: string, work: () => Promise<string>, onFailure: OnFailure = {}): Promise<JobResult> {
  let result: string;
  try {
    result = await work();
  } catch (error) {
    const cancelled = isCancellation(error);
    await CancellationScope.nonCancellable(async () => {
      await onFailure.settle?.();
      const state = cancelled ? JobState.CANCELLED : JobState.ERROR;
      await bookkeeping.finishJob({ jobId, state, result: cancelled ? 'Cancelled' : failureMessage(error) });
      enterState(state, cancelled ? 'Cancelled' : 'Failed');
      if (!cancelled) await onFailure.afterError?.();
    });
    if (cancelled) throw error;
    throw ApplicationFailure.nonRetryable(failureMessage(error), 'JobFailed');
  }
  await bookkeeping.finishJob({ jobId, state: JobState.COMPLETED, result });
  enterState(JobState.COMPLETED, 'Completed');
  return { state: JobState.COMPLETED };
}

/**
 * Runs a job's workflow from its plan on (waiting for its time, its turn, and its work) and records
 * it Cancelled when it is cancelled, however far it got, before throwing the cancellation on.
 * (A job cancelled while running was recorded by `runAndRecord` already; recording it again is harmless.)
 */
export async function recordingCancellation(jobId: string, job: () => Promise<JobResult>): Promise<JobResult> {
  try {
    return await job();
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => bookkeeping.finishJob({ jobId, state: JobState.CANCELLED, result: 'Cancelled' }));
      enterState(JobState.CANCELLED, 'Cancelled');
    }
    throw error;
  }
}
