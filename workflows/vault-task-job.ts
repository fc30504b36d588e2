import {
  ActivityCancellationType,
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
import { LOCAL_NODE } from '../lib/nodes';
import { HOST_STEP, JOB_BOOKKEEPING } from './activity-profiles';
import { JOB_TYPE } from './search-attributes';
import { updateDependencies } from './record-dependencies';
import { lockGrantedSignal, withLock } from './resource-lock';
import { enterState, type JobResult, recordingCancellation, runAndRecord } from './job-state';
import { awaitNode, type HostSteps, hostStepsOnNode } from './node-host-steps';

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
/** Jobs started before records had dependencies rotate the host alone. */
const DEPENDENCIES_PATCH = 'record-dependencies-with-rollback';
/** Jobs that started before a closed time window held them back after their waits go on starting when granted, as their histories say. */
const WINDOW_AFTER_WAITS_PATCH = 'time-window-after-lock-and-session-waits';
/** Jobs whose cancel settled the vault without waiting for a pending-password write go on not waiting, as their histories say. */
const PENDING_WRITES_PATCH = 'cancel-waits-for-pending-password-writes';
/**
 * A remote node's job runs on the central queue and sends only its host steps to the node, sealed
 * for it; jobs started before, whose plans did not name their node, run on the node's queue as
 * their histories say.
 */
const NODE_HOST_STEPS_PATCH = 'host-steps-on-node-queue';
/**
 * Jobs that started before this took the account's lock as it was when they were planned, maybe
 * days before they came due. A job now looks its account up again once due, so it takes the lock
 * every other job of that account takes then (renamed under the installation's key, or moved with
 * an edited host or user).
 */
const LOCK_WHEN_DUE_PATCH = 'account-lock-looked-up-when-due';

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);
const onHost: HostSteps = proxyActivities<Activities>(HOST_STEP);
const onHostWithoutWaiting: HostSteps = proxyActivities<Activities>({ ...HOST_STEP, cancellationType: ActivityCancellationType.TRY_CANCEL });
/**
 * Writing or promoting the pending password runs to its end before a cancel settles the vault:
 * settling while the write is still on its way would find nothing pending, and the pending
 * password written just after would stay.
 */
const pendingWritesToTheEnd = proxyActivities<Activities>({ ...JOB_BOOKKEEPING, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED });

/**
 * The five steps of a password reset, with the record's dependencies updated between verify and
 * promote (checked before the host is touched); the vault holds a working password after each.
 */
async function resetPassword(jobId: string, host: HostSteps): Promise<void> {
  const dependencies = patched(DEPENDENCIES_PATCH) ? await bookkeeping.planDependencies({ jobId }) : [];
  const pendingWrites = patched(PENDING_WRITES_PATCH) ? pendingWritesToTheEnd : bookkeeping;
  setCurrentDetails('Generating a new password and storing it encrypted as pending');
  await pendingWrites.preparePendingPassword({ jobId });
  setCurrentDetails('Changing the password on the host over SSH (secrets on stdin)');
  await host.changePasswordOnHost({ jobId });
  setCurrentDetails('Verifying: logging in with the new password');
  await host.verifyPendingPassword({ jobId });
  if (dependencies.length > 0) await updateDependencies(jobId, dependencies, host);
  setCurrentDetails('Promoting the new password to current');
  await pendingWrites.promotePendingPassword({ jobId });
}

/** A failed reconcile must not hide the original failure; the next rotation reconciles again. */
async function settleVault(jobId: string, host: HostSteps): Promise<void> {
  try {
    await host.reconcileRecordPassword({ jobId });
  } catch {
    setCurrentDetails('Could not reach the host to reconcile; the next rotation will');
  }
}

/** Marks the job Running, runs its script (its host steps on the remote node, when it has one), and records how it ended. */
async function runJob(jobId: string, options: { scheduleFallback: boolean; remoteNode?: string | null }): Promise<VaultTaskJobResult> {
  const { remoteNode } = options;
  const plan = await bookkeeping.startJob(remoteNode ? { jobId, nodeName: remoteNode } : { jobId });
  if (!plan.runnable) return { state: JobState.CANCELLED };
  enterState(JobState.RUNNING, 'Running');
  const resetsPassword = PASSWORD_RESET_SCRIPTS.includes(plan.script);
  // A cancelled step stops on the host before the job is recorded Cancelled and its lock released.
  const host = remoteNode ? hostStepsOnNode(remoteNode) : patched(HOST_STOP_PATCH) ? onHost : onHostWithoutWaiting;
  const work = async () => {
    if (resetsPassword) await resetPassword(jobId, host);
    else if (plan.script === ScriptKey.CUSTOM_COMMAND) await host.runCustomCommand({ jobId });
    else await host.verifyCurrentPassword({ jobId });
    return 'Completed';
  };
  return runAndRecord(jobId, work, {
    settle: resetsPassword ? () => settleVault(jobId, remoteNode ? host : onHost) : undefined,
    afterError: options.scheduleFallback ? () => bookkeeping.scheduleFallback({ jobId }) : undefined,
  });
}

/** Sleeps on a durable timer until the job is due or someone presses Run; says whether it had to wait. */
async function waitUntilDue(plan: JobPlan, runNowRequested: () => boolean): Promise<boolean> {
  const waitMs = Date.parse(plan.scheduledFor) - Date.now();
  if (waitMs <= 0) return false;
  setCurrentDetails(`Scheduled for ${plan.scheduledFor}`);
  await condition(runNowRequested, waitMs);
  return true;
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
    if (!plan.runnable) return endedBeforeStart();
    const waited = await waitUntilDue(plan, () => runNowRequested);
    const remoteNode = plan.nodeName && plan.nodeName !== LOCAL_NODE && patched(NODE_HOST_STEPS_PATCH) ? plan.nodeName : null;
    if (remoteNode) await awaitNode(remoteNode);
    // A job due at once (On Demand, Run) has just read its plan; one that waited reads it again.
    const current = (waited || remoteNode) && patched(LOCK_WHEN_DUE_PATCH) ? await bookkeeping.getJobPlan({ jobId }) : plan;
    if (!current.runnable) return endedBeforeStart();
    const lock = { jobId, lockWorkflowId: current.lockWorkflowId, account: current.account };
    for (;;) {
      if (plan.deferUntilSessionsEnd && patched(SESSION_DEFERRAL_PATCH)) await waitForSessionsToEnd(jobId, sessionChanges);
      accountGranted = false; // a job that gave the lock back for its window asks again
      const outcome = await withLock(lock, () => accountGranted, async () => {
        const opensAt = await windowOpening(jobId, plan, runNowRequested);
        return opensAt ? { opensAt } : runJob(jobId, { scheduleFallback: true, remoteNode });
      });
      if (!('opensAt' in outcome)) return outcome;
      // Waiting for the window without the lock, so the account's other jobs are not held up.
      setCurrentDetails(`Outside the time window: waiting for its next opening at ${outcome.opensAt}`);
      await condition(() => runNowRequested, Math.max(0, Date.parse(outcome.opensAt) - Date.now()));
    }
  });
}

/** Cancelled or removed in Steward before it started: Temporal should say so too. */
function endedBeforeStart(): { state: JobState } {
  if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('Cancelled before it started');
  return { state: JobState.CANCELLED };
}

/**
 * Once the job holds the lock, after waiting for it or for sessions to end: when its task's time
 * window has closed meanwhile, the next opening (Job History says so); null when it may start now.
 * A person's Run starts it whatever the window.
 */
async function windowOpening(jobId: string, plan: JobPlan, runNowRequested: boolean): Promise<string | null> {
  if (!plan.timeWindow || runNowRequested || !patched(WINDOW_AFTER_WAITS_PATCH)) return null;
  return (await bookkeeping.timeWindowWait({ jobId })).opensAt;
}
