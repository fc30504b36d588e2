import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { JobEventKind } from '../lib/enums';
import { acquireLockSignal, acquireLockUpdate, type LockAnswer, lockHolderQuery, resourceLock } from '../workflows/resource-lock';
import { type ActivityDependencies, servicesFor } from './dependencies';
import type { JobRef } from './vault-job';

export interface AccountLockRequest extends JobRef {
  /** What is locked, for people: an account (`user@host:port`) or a system. */
  account: string;
  lockWorkflowId: string;
  /** The asking job's workflow ID: given, the lock is asked by update (`acquireLockUpdate`), which grants a free lock at once. */
  holder?: string;
}

/** Activities of the lock workflow (workflows/resource-lock.ts) and of the jobs that queue for it. */
export function createLockActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);
  const { client } = deps;
  const noteWaiting = (jobId: string, holder: string, account: string) =>
    services().jobs.recordEvent(jobId, JobEventKind.STEP, `Waiting for ${holder}, which is changing the same account (${account})`);

  return {
    /**
     * Joins the lock's queue (starting its workflow if needed) and says in Job History whom it waits
     * for. Asked by update, a free lock is granted in the answer; asked by signal, never here.
     */
    async requestAccountLock({ jobId, account, lockWorkflowId, holder: asking }: AccountLockRequest): Promise<LockAnswer> {
      const { taskQueue } = Context.current().info;
      const staticSummary = `Serializes jobs on ${account}`;
      if (asking) {
        const startWorkflowOperation = new WithStartWorkflowOperation(resourceLock, { workflowId: lockWorkflowId, taskQueue, args: [{ account }], workflowIdConflictPolicy: 'USE_EXISTING', staticSummary });
        const answer = await client.workflow.executeUpdateWithStart(acquireLockUpdate, { args: [{ holder: asking }], startWorkflowOperation });
        if (!answer.granted && answer.holder) await noteWaiting(jobId, answer.holder, account);
        return answer;
      }
      const { workflowId } = await services().jobs.getJob(jobId);
      const handle = await client.workflow.signalWithStart(resourceLock, {
        workflowId: lockWorkflowId,
        taskQueue,
        args: [{ account }],
        signal: acquireLockSignal,
        signalArgs: [{ holder: workflowId }],
        staticSummary,
      });
      const holder = await handle.query(lockHolderQuery).catch(() => null);
      if (holder && holder !== workflowId) await noteWaiting(jobId, holder, account);
      return { granted: false, holder };
    },

    /** Whether a lock holder still runs; a holder that ended without releasing is skipped. */
    async isWorkflowOpen({ workflowId }: { workflowId: string }): Promise<boolean> {
      try {
        const { status } = await client.workflow.getHandle(workflowId).describe();
        return status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}
