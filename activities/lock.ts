import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { JobEventKind } from '../lib/enums';
import { acquireLockSignal, lockHolderQuery, resourceLock } from '../workflows/resource-lock';
import { type ActivityDependencies, servicesFor } from './dependencies';
import type { JobRef } from './vault-job';

export interface AccountLockRequest extends JobRef {
  /** What is locked, for people: an account (`user@host:port`) or a system. */
  account: string;
  lockWorkflowId: string;
}

/** Activities of the lock workflow (workflows/resource-lock.ts) and of the jobs that queue for it. */
export function createLockActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);
  const { client } = deps;

  return {
    /** Joins the lock's queue (starting its workflow if needed) and says in Job History whom it waits for. */
    async requestAccountLock({ jobId, account, lockWorkflowId }: AccountLockRequest): Promise<void> {
      const { workflowId } = await services().jobs.getJob(jobId);
      const { taskQueue } = Context.current().info;
      const handle = await client.workflow.signalWithStart(resourceLock, {
        workflowId: lockWorkflowId,
        taskQueue,
        args: [{ account }],
        signal: acquireLockSignal,
        signalArgs: [{ holder: workflowId }],
        staticSummary: `Serializes jobs on ${account}`,
      });
      const holder = await handle.query(lockHolderQuery).catch(() => null);
      if (holder && holder !== workflowId) {
        await services().jobs.recordEvent(jobId, JobEventKind.STEP, `Waiting for ${holder}, which is changing the same account (${account})`);
      }
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
