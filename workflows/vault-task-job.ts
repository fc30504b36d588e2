import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JobState, ScriptKey } from '../lib/enums';
import { JOB_STATE } from '../temporal/search-attributes';

export interface VaultTaskJobInput {
  jobId: string;
}

export interface VaultTaskJobResult {
  state: JobState;
}

/** Database bookkeeping: quick, and safe to retry for a long time. */
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** SSH work on the host: heartbeats, and stops retrying on a permanent failure. */
const onHost = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes: ['PermanentJobError'],
  },
});

function enterState(state: JobState, details: string): void {
  upsertSearchAttributes([{ key: JOB_STATE, value: state }]);
  setCurrentDetails(details);
}

/** The five steps of a password reset; the vault holds a working password after each. */
async function resetPassword(jobId: string): Promise<void> {
  setCurrentDetails('Generating a new password and storing it encrypted as pending');
  await bookkeeping.preparePendingPassword({ jobId });
  setCurrentDetails('Changing the password on the host over SSH (secrets on stdin)');
  await onHost.changePasswordOnHost({ jobId });
  setCurrentDetails('Verifying: logging in with the new password');
  await onHost.verifyPendingPassword({ jobId });
  setCurrentDetails('Promoting the new password to current');
  await bookkeeping.promotePendingPassword({ jobId });
}

/** One run of a vault task against a record. Its workflow ID is `job-<jobId>`. */
export async function vaultTaskJob({ jobId }: VaultTaskJobInput): Promise<VaultTaskJobResult> {
  const plan = await bookkeeping.startJob({ jobId });
  if (!plan.runnable) return { state: JobState.CANCELLED };
  enterState(JobState.RUNNING, 'Running');
  try {
    if (plan.script === ScriptKey.PASSWORD_RESET_REMOTE_UNIX) await resetPassword(jobId);
    else await onHost.verifyCurrentPassword({ jobId });
  } catch (error) {
    const cancelled = isCancellation(error);
    await CancellationScope.nonCancellable(async () => {
      if (plan.script === ScriptKey.PASSWORD_RESET_REMOTE_UNIX) await settleVault(jobId);
      const state = cancelled ? JobState.CANCELLED : JobState.ERROR;
      await bookkeeping.finishJob({ jobId, state, result: cancelled ? 'Cancelled' : failureMessage(error) });
      enterState(state, cancelled ? 'Cancelled' : 'Failed');
    });
    if (cancelled) throw error;
    throw ApplicationFailure.nonRetryable(failureMessage(error), 'JobFailed');
  }
  await bookkeeping.finishJob({ jobId, state: JobState.COMPLETED, result: 'Completed' });
  enterState(JobState.COMPLETED, 'Completed');
  return { state: JobState.COMPLETED };
}

/** A failed reconcile must not hide the original failure; the next rotation reconciles again. */
async function settleVault(jobId: string): Promise<void> {
  try {
    await onHost.reconcileRecordPassword({ jobId });
  } catch {
    setCurrentDetails('Could not reach the host to reconcile; the next rotation will');
  }
}

function failureMessage(error: unknown): string {
  const failure = error as { cause?: { message?: string }; message?: string };
  return failure.cause?.message ?? failure.message ?? 'Failed';
}
