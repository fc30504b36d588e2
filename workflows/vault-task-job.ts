import {
  CancellationScope,
  CancelledFailure,
  condition,
  defineSignal,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, JobPlan } from '../activities';
import { JobState, JobType, PASSWORD_RESET_SCRIPTS, ScriptKey } from '../lib/enums';
import { HOST_STEP, JOB_BOOKKEEPING } from './activity-profiles';
import { JOB_TYPE } from './search-attributes';
import { lockGrantedSignal, withLock } from './resource-lock';
import { enterState, type JobResult, recordingCancellation, runAndRecord } from './job-state';

export interface VaultTaskJobInput {
  jobId: string;
}

export type VaultTaskJobResult = JobResult;

/** Run sends a Scheduled job to the queue now. */
export const runNowSignal = defineSignal('runNow');
/** A session in the record's group ended: a deferred job counts the active sessions again. */
export const sessionsChangedSignal = defineSignal('sessionsChanged');

/** Jobs started before scheduling, account locks and fallback existed run the old path. */
const JOB_ENGINE_PATCH = 'scheduled-start-account-lock-fallback';
/** Jobs started before deferral existed never wait for sessions. */
const SESSION_DEFERRAL_PATCH = 'defer-until-sessions-end';

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);
const onHost = proxyActivities<Activities>(HOST_STEP);

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
  const resetsPassword = PASSWORD_RESET_SCRIPTS.includes(plan.script);
  const work = async () => {
    if (resetsPassword) await resetPassword(jobId);
    else if (plan.script === ScriptKey.CUSTOM_COMMAND) await onHost.runCustomCommand({ jobId });
    else await onHost.verifyCurrentPassword({ jobId });
    return 'Completed';
  };
  return runAndRecord(jobId, work, {
    settle: resetsPassword ? () => settleVault(jobId) : undefined,
    afterError: options.scheduleFallback ? () => bookkeeping.scheduleFallback({ jobId }) : undefined,
  });
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
  setHandler(lockGrantedSignal, () => {
    accountGranted = true;
  });

  // A job cancelled before it started has nothing on the host to settle.
  return recordingCancellation(jobId, async () => {
    const plan = await bookkeeping.getJobPlan({ jobId });
    if (!plan.runnable) {
      // Cancelled in Steward before it started: Temporal should say so too.
      if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('Cancelled before it started');
      return { state: JobState.CANCELLED };
    }
    await waitUntilDue(plan, () => runNowRequested);
    if (plan.deferUntilSessionsEnd && patched(SESSION_DEFERRAL_PATCH)) await waitForSessionsToEnd(jobId, sessionChanges);
    return withLock({ jobId, lockWorkflowId: plan.lockWorkflowId, account: plan.account }, () => accountGranted, () => runJob(jobId, { scheduleFallback: true }));
  });
}
