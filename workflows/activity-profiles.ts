import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';

/**
 * How long each kind of activity may take and how it is retried, for `proxyActivities`. Every
 * workflow takes its options from here. Changing a value changes how running workflows retry
 * their next activity (replay does not compare options), so change one only on purpose.
 */

/** Bookkeeping in Steward's database is safe to retry, and worth retrying for about 8 minutes (20 tries, backing off to 30 s) through a restarting database before the workflow gives up. */
const BOOKKEEPING_RETRY: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 };

/** A job's bookkeeping (plan, start, finish, fallback, session count) and its request for a lock: quick writes, 30 s a try. */
export const JOB_BOOKKEEPING: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: BOOKKEEPING_RETRY,
};

/**
 * Bookkeeping that launches jobs (a run claiming its due jobs, an access request firing its
 * record's tasks or ending): it may write many rows and start workflows, so a try gets a minute.
 */
export const JOB_LAUNCHING: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: BOOKKEEPING_RETRY,
};

/**
 * An assignment schedule planning or firing: it resolves every system in scope (a whole tree)
 * and starts a run, so a try gets 5 minutes. The schedule has nothing else to do, so it keeps
 * trying for about 25 minutes (30 tries, backing off to a minute) before it fails.
 */
export const ASSIGNMENT_PLANNING: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
};

/**
 * A lock asking Temporal whether its holder's workflow is still open: one describe call, asked
 * again every two minutes while the holder keeps the lock, so fewer tries (10) are enough.
 */
export const LOCK_HOLDER_CHECK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/** Quick reconciliation steps (restarting lost assignment schedules, finding what to settle): 2 minutes a try, and the schedule runs them again soon, so 3 tries are enough. */
export const RECONCILIATION: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
};

/**
 * A reconciliation sweep in batches (open jobs against Temporal, pending passwords against their
 * hosts): it heartbeats after each batch, so a lost worker is noticed within a minute, while a
 * large sweep may take 10 minutes a try; the schedule runs it again soon, so 3 tries are enough.
 */
export const RECONCILIATION_SWEEP: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
};

/** A reconciliation sweep on one node's queue: if no worker of the node takes it within a minute, the node is away, and it waits for the next run. */
export function sweepOnNode(taskQueue: string): ActivityOptions {
  return { ...RECONCILIATION_SWEEP, taskQueue, scheduleToStartTimeout: '1 minute' };
}

/**
 * Sending one peer its shared client tasks: a bundle at a time, heartbeating after each, a try
 * bounded at 10 minutes. Three tries, 2 s and then 4 s apart, ride out a blip; a peer down for
 * longer is logged as failed and catches up on the next run of the schedule.
 */
export const SHARE_WITH_PEER: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
};

/** Work over SSH on a host: a few tries, 5 s apart and backing off to a minute, and none after a permanent failure (wrong password, no such user). */
const ON_HOST_RETRY: RetryPolicy = {
  initialInterval: '5 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: ['PermanentJobError'],
};

/**
 * One step of a vault job on its host (change, verify or reconcile a password, a custom command):
 * short, heartbeats so a lost worker is noticed in 20 s, and tried 4 times. A cancelled one waits
 * until the step has stopped on the host, so the job ends, and its lock is released, only after.
 */
export const HOST_STEP: ActivityOptions = {
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...ON_HOST_RETRY, maximumAttempts: 4 },
};

/**
 * A client task running on its system for up to `limitMs`: each try may take the whole limit (and
 * 30 s more), all tries together a minute more than it; it heartbeats, a cancelled one waits
 * until the task is stopped on the host, and it is tried 3 times.
 */
export function hostRun(limitMs: number): ActivityOptions {
  return {
    scheduleToCloseTimeout: limitMs + 60_000,
    startToCloseTimeout: limitMs + 30_000,
    heartbeatTimeout: '30 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...ON_HOST_RETRY, maximumAttempts: 3 },
  };
}

/**
 * A remote node's job asking for a worker of its node before it starts: it waits in the node's
 * queue for as long as the node is away (the job stays Scheduled meanwhile, as it did when the
 * whole job ran on the node's queue), and answers at once when one is there.
 */
export function nodeArrival(taskQueue: string): ActivityOptions {
  return { taskQueue, startToCloseTimeout: '30 seconds', retry: BOOKKEEPING_RETRY };
}

/** A host step of a remote node's job, on the node's own queue. */
export function hostStepOnNode(taskQueue: string): ActivityOptions {
  return { ...HOST_STEP, taskQueue };
}

/** A client task on a system a remote node reaches, on the node's own queue, with the limits of `hostRun`. */
export function hostRunOnNode(limitMs: number, taskQueue: string): ActivityOptions {
  return { ...hostRun(limitMs), taskQueue };
}
