import {
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountLockRequest, Activities } from '../activities';

export interface LockRequest {
  /** The workflow ID of the job that wants the account. */
  holder: string;
}

export const acquireAccountSignal = defineSignal<[LockRequest]>('acquireAccount');
export const releaseAccountSignal = defineSignal<[LockRequest]>('releaseAccount');
/** Sent to a job's workflow when the account is its turn. */
export const accountGrantedSignal = defineSignal('accountGranted');
export const accountHolderQuery = defineQuery<string | null>('accountHolder');

export interface AccountLockInput {
  account: string;
  waiting?: string[];
}

const { isWorkflowOpen } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const { requestAccountLock } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/**
 * Runs `work` in a job's workflow while it holds a lock (an account, or a system for client tasks),
 * so no two jobs work on the same thing at once. `granted` turns true when `accountGrantedSignal` arrives.
 */
export async function withLock<T>(request: AccountLockRequest, granted: () => boolean, work: () => Promise<T>): Promise<T> {
  const holder = workflowInfo().workflowId;
  try {
    setCurrentDetails(`Waiting for ${request.account}, which another job may be using`);
    await requestAccountLock(request);
    await condition(granted);
    return await work();
  } finally {
    await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(request.lockWorkflowId).signal(releaseAccountSignal, { holder }));
  }
}

const GRANTS_BEFORE_CONTINUE_AS_NEW = 200;

/**
 * One per account (`account-lock-<user>@<host>:<port>`): jobs that change the same account run
 * one at a time, in the order they asked. A holder that ends without releasing (terminated) is
 * noticed and skipped. The workflow ends when nobody has waited for a while.
 */
export async function accountLock({ account, waiting: carried = [] }: AccountLockInput): Promise<void> {
  const waiting = [...carried];
  let holder: string | null = null;
  setHandler(acquireAccountSignal, ({ holder: job }) => {
    if (job !== holder && !waiting.includes(job)) waiting.push(job);
  });
  setHandler(releaseAccountSignal, ({ holder: job }) => {
    if (job === holder) holder = null;
    const index = waiting.indexOf(job);
    if (index >= 0) waiting.splice(index, 1);
  });
  setHandler(accountHolderQuery, () => holder);

  for (let grants = 0; grants < GRANTS_BEFORE_CONTINUE_AS_NEW; grants++) {
    setCurrentDetails(`Free; ${waiting.length} waiting`);
    if (!(await condition(() => waiting.length > 0, '1 minute'))) return;
    const next = waiting.shift()!;
    holder = next;
    try {
      await getExternalWorkflowHandle(next).signal(accountGrantedSignal);
    } catch {
      holder = null; // the job ended while it waited
      continue;
    }
    setCurrentDetails(`Held by ${next}; ${waiting.length} waiting`);
    while (holder !== null) {
      if (!(await condition(() => holder === null, '2 minutes')) && !(await isWorkflowOpen({ workflowId: next }))) holder = null;
    }
  }
  await continueAsNew<typeof accountLock>({ account, waiting });
}
