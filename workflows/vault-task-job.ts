import {
  ActivityCancellationType,
  type ActivityInterfaceFor,
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
/** Jobs that counted sessions on signals alone before sessions ran out by themselves go on doing so. */
const SESSION_RECOUNT_PATCH = 'recount-sessions-on-timer';
/** Jobs that ran their host steps before a cancel waited for the host to stop go on not waiting, as their histories say. */
const HOST_STOP_PATCH = 'cancel-waits-for-host-stop';

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);
type HostSteps = ActivityInterfaceFor<Activities>;
const onHost: HostSteps = proxyActivities<Activities>(HOST_STEP);
const onHostWithoutWaiting: HostSteps = proxyActivities<Activities>({ ...HOST_STEP, cancellationType: ActivityCancellationType.TRY_CANCEL });

/** The five steps of a password reset; the vault holds a working password after each. */
async function resetPassword(jobId: string, host: HostSteps): Promise<void> {
  setCurrentDetails('Generating a new password and storing it encrypted as pending');
  await bookkeeping.preparePendingPassword({ jobId });
  setCurrentDetails('Changing the password on the host over SSH (secrets on stdin)');
  await host.changePasswordOnHost({ jobId });
  setCurrentDetails('Verifying: logging in with the new password');
  await host.verifyPendingPassword({ jobId });
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
  // A cancelled step stops on the host before the job is recorded Cancelled and its lock released.
  const host = patched(HOST_STOP_PATCH) ? onHost : onHostWithoutWaiting;
  const work = async () => {
    if (resetsPassword) await resetPassword(jobId, host);
    else if (plan.script === ScriptKey.CUSTOM_COMMAND) await host.runCustomCommand({ jobId });
    else await host.verifyCurrentPassword({ jobId });
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

/**
 * Waits until no session is active in the record's group: woken by a signal when one is reported
 * ending, and by a timer when the oldest runs past the maximum session length (so a lost
 * endSession cannot defer the job forever).
 */
async function waitForSessionsToEnd(jobId: string, changes: { seen: boolean }): Promise<void> {
  for (;;) {
    changes.seen = false; // cleared before counting, so a session ending during the count is not missed
    const wait = patched(SESSION_RECOUNT_PATCH)
      ? await bookkeeping.sessionWait({ jobId })
      : { active: await bookkeeping.countActiveSessions({ jobId }), recountInMs: null };
    if (wait.active === 0) return;
    setCurrentDetails(`Deferred: ${wait.active} active session(s) on the record or records sharing its reference`);
    await (wait.recountInMs === null ? condition(() => changes.seen) : condition(() => changes.seen, wait.recountInMs));
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
