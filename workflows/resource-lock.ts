import {
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountLockRequest, Activities } from '../activities';
import { JOB_BOOKKEEPING, LOCK_HOLDER_CHECK } from './activity-profiles';

export interface LockRequest {
  /** The workflow ID of the job that wants the lock. */
  holder: string;
}

// The signal and query names are from when only accounts were locked. Running locks and jobs,
// and their histories, use these names, so they stay.
export const acquireLockSignal = defineSignal<[LockRequest]>('acquireAccount');
export const releaseLockSignal = defineSignal<[LockRequest]>('releaseAccount');
/** Sent to a job's workflow when it is its turn to hold the lock. */
export const lockGrantedSignal = defineSignal('accountGranted');
export const lockHolderQuery = defineQuery<string | null>('accountHolder');

/** How the lock answered a job that asked for it by update: held by it now, or whom it waits behind. */
export interface LockAnswer {
  granted: boolean;
  holder: string | null;
}
/**
 * Asks for the lock in one round trip: a free lock is granted in the answer, so the job need not
 * wait for `lockGrantedSignal`; a busy one queues the job, which is then granted by that signal.
 */
export const acquireLockUpdate = defineUpdate<LockAnswer, [LockRequest]>('acquireLock');

export interface ResourceLockInput {
  /** What is locked, for people: an account (`user@host:port`) or a system. Named `account` in running locks' inputs, so it stays. */
  account: string;
  waiting?: string[];
}

const { isWorkflowOpen } = proxyActivities<Activities>(LOCK_HOLDER_CHECK);
const { requestAccountLock } = proxyActivities<Activities>(JOB_BOOKKEEPING);

/** Jobs that asked for their lock before it answered updates asked by signal, and waited for the grant, as their histories say. */
const LOCK_BY_UPDATE_PATCH = 'lock-asked-by-update';

/**
 * Runs `work` in a job's workflow while it holds a lock (an account, or a system for client tasks),
 * so no two jobs work on the same thing at once. `granted` turns true when `lockGrantedSignal` arrives.
 */
export async function withLock<T>(request: AccountLockRequest, granted: () => boolean, work: () => Promise<T>): Promise<T> {
  const holder = workflowInfo().workflowId;
  try {
    setCurrentDetails(`Waiting for ${request.account}, which another job may be using`);
    const answer = await requestAccountLock(patched(LOCK_BY_UPDATE_PATCH) ? { ...request, holder } : request);
    if (!answer?.granted) await condition(granted);
    return await work();
  } finally {
    await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(request.lockWorkflowId).signal(releaseLockSignal, { holder }));
  }
}

const GRANTS_BEFORE_CONTINUE_AS_NEW = 200;

/**
 * One per locked resource: per account (`account-lock-<sha256 of user@host:port>`) for vault task jobs,
 * per system (`system-lock-<systemId>`) for client task jobs. Jobs that need the same resource run
 * one at a time, in the order they asked. A holder that ends without releasing (terminated) is
 * noticed and skipped. The workflow ends when nobody has waited for a while.
 *
 * Locks started before it was renamed run as `accountLock`, an alias of it (workflows/index.ts),
 * and continue as new under that type.
 */
export async function resourceLock({ account, waiting: carried = [] }: ResourceLockInput): Promise<void> {
  const waiting = [...carried];
  let holder: string | null = null;
  setHandler(acquireLockSignal, ({ holder: job }) => {
    if (job !== holder && !waiting.includes(job)) waiting.push(job);
  });
  setHandler(releaseLockSignal, ({ holder: job }) => {
    if (job === holder) holder = null;
    const index = waiting.indexOf(job);
    if (index >= 0) waiting.splice(index, 1);
  });
  setHandler(lockHolderQuery, () => holder);
  setHandler(acquireLockUpdate, ({ holder: job }) => {
    // Free, and nobody before it: the job holds the lock from this answer on.
    if (holder === null && waiting.length === 0) holder = job;
    else if (job !== holder && !waiting.includes(job)) waiting.push(job);
    return { granted: holder === job, holder };
  });

  // Asked for in the same moment the idle minute ran out, an update may have granted the lock: then it stays.
  const busy = () => waiting.length > 0 || holder !== null;
  for (let grants = 0; grants < GRANTS_BEFORE_CONTINUE_AS_NEW; grants++) {
    setCurrentDetails(`Free; ${waiting.length} waiting`);
    if (!(await condition(busy, '1 minute')) && !busy()) return;
    if (holder === null) {
      const next = waiting.shift()!;
      holder = next;
      try {
        await getExternalWorkflowHandle(next).signal(lockGrantedSignal);
      } catch {
        holder = null; // the job ended while it waited
        continue;
      }
    }
    // Whoever holds it now: an update may grant it again the moment it is released.
    while (holder !== null) {
      const current: string = holder;
      setCurrentDetails(`Held by ${current}; ${waiting.length} waiting`);
      if (!(await condition(() => holder !== current, '2 minutes')) && !(await isWorkflowOpen({ workflowId: current })) && holder === current) holder = null;
    }
  }
  await continueAsNew<typeof resourceLock>({ account, waiting });
}
