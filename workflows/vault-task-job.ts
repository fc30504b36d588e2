import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, JobPlan } from '../activities';
import { JobState, JobType, PASSWORD_RESET_SCRIPTS, ScriptKey } from '../lib/enums';
import { JOB_TYPE } from './search-attributes';
import { accountGrantedSignal, withLock } from './account-lock';
import { enterState, failureMessage } from './job-state';

export interface VaultTaskJobInput {
  jobId: string;
}

export interface VaultTaskJobResult {
  state: JobState;
}

/** Run sends a Scheduled job to the queue now. */
export const runNowSignal = defineSignal('runNow');
/** A session in the record's group ended: a deferred job counts the active sessions again. */
export const sessionsChangedSignal = defineSignal('sessionsChanged');

/** Jobs started before scheduling, account locks and fallback existed run the old path. */
const JOB_ENGINE_PATCH = 'scheduled-start-account-lock-fallback';
/** Jobs started before deferral existed never wait for sessions. */
const SESSION_DEFERRAL_PATCH = 'defer-until-sessions-end';

/** Database bookkeeping: quick, and safe to retry for a long time. */
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** SSH work on the host: heartbeats, and stops retrying on a permanent failure. */
const onHost = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 4,
    nonRetryableErrorTypes: ['PermanentJobError'],
  },
});

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

/** A failed reconcile must not hide the original failure; the next rotation reconciles again. */
async function settleVault(jobId: string): Promise<void> {
  try {
    await onHost.reconcileRecordPassword({ jobId });
  } catch {
    setCurrentDetails('Could not reach the host to reconcile; the next rotation will');
  }
}

/** Marks the job Running, runs its script, and records how it ended. */
async function runJob(jobId: string, options: { scheduleFallback: boolean }): Promise<VaultTaskJobResult> {
  const plan = await bookkeeping.startJob({ jobId });
  if (!plan.runnable) return { state: JobState.CANCELLED };
  enterState(JobState.RUNNING, 'Running');
  try {
    if (PASSWORD_RESET_SCRIPTS.includes(plan.script)) await resetPassword(jobId);
    else if (plan.script === ScriptKey.CUSTOM_COMMAND) await onHost.runCustomCommand({ jobId });
    else await onHost.verifyCurrentPassword({ jobId });
  } catch (error) {
    const cancelled = isCancellation(error);
    await CancellationScope.nonCancellable(async () => {
      if (PASSWORD_RESET_SCRIPTS.includes(plan.script)) await settleVault(jobId);
      const state = cancelled ? JobState.CANCELLED : JobState.ERROR;
      await bookkeeping.finishJob({ jobId, state, result: cancelled ? 'Cancelled' : failureMessage(error) });
      enterState(state, cancelled ? 'Cancelled' : 'Failed');
      if (!cancelled && options.scheduleFallback) await bookkeeping.scheduleFallback({ jobId });
    });
    if (cancelled) throw error;
    throw ApplicationFailure.nonRetryable(failureMessage(error), 'JobFailed');
  }
  await bookkeeping.finishJob({ jobId, state: JobState.COMPLETED, result: 'Completed' });
  enterState(JobState.COMPLETED, 'Completed');
  return { state: JobState.COMPLETED };
}

/** Waits, as a durable timer, until the job is due or someone presses Run. */
async function waitUntilDue(plan: JobPlan, runNowRequested: () => boolean): Promise<void> {
  const waitMs = Date.parse(plan.scheduledFor) - Date.now();
  if (waitMs <= 0) return;
  setCurrentDetails(`Scheduled for ${plan.scheduledFor}`);
  await condition(runNowRequested, waitMs);
}

/** Waits, woken by signals rather than polling, until no session is active in the record's group. */
async function waitForSessionsToEnd(jobId: string, changes: { seen: boolean }): Promise<void> {
  for (;;) {
    changes.seen = false; // cleared before counting, so a session ending during the count is not missed
    const active = await bookkeeping.countActiveSessions({ jobId });
    if (active === 0) return;
    setCurrentDetails(`Deferred: ${active} active session(s) on the record or records sharing its reference`);
    await condition(() => changes.seen);
  }
}

/** One run of a vault task against a record. Its workflow ID is `job-<jobId>`. */
export async function vaultTaskJob({ jobId }: VaultTaskJobInput): Promise<VaultTaskJobResult> {
  if (!patched(JOB_ENGINE_PATCH)) return runJob(jobId, { scheduleFallback: false });

  let runNowRequested = false;
  let accountGranted = false;
  const sessionChanges = { seen: false };
  setHandler(sessionsChangedSignal, () => {
    sessionChanges.seen = true;
  });
  setHandler(runNowSignal, () => {
    runNowRequested = true;
    upsertSearchAttributes([{ key: JOB_TYPE, value: JobType.MANUAL_RUN }]);
  });
  setHandler(accountGrantedSignal, () => {
    accountGranted = true;
  });

  try {
    const plan = await bookkeeping.getJobPlan({ jobId });
    if (!plan.runnable) {
      // Cancelled in Steward before it started: Temporal should say so too.
      if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('Cancelled before it started');
      return { state: JobState.CANCELLED };
    }
    await waitUntilDue(plan, () => runNowRequested);
    if (plan.deferUntilSessionsEnd && patched(SESSION_DEFERRAL_PATCH)) await waitForSessionsToEnd(jobId, sessionChanges);
    return await withLock({ jobId, lockWorkflowId: plan.lockWorkflowId, account: plan.account }, () => accountGranted, () => runJob(jobId, { scheduleFallback: true }));
  } catch (error) {
    // Cancelled before it started: nothing on the host to settle.
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => bookkeeping.finishJob({ jobId, state: JobState.CANCELLED, result: 'Cancelled' }));
      enterState(JobState.CANCELLED, 'Cancelled');
    }
    throw error;
  }
}
