import { Context } from '@temporalio/activity';
import { type ActivityDependencies, servicesFor } from './dependencies';

/** Activities of the reconciliation workflow (workflows/job-reconciliation.ts). The sweeps heartbeat as they go. */
export function createReconciliationActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);

  return {
    /** Open jobs whose workflows ended get a final state; recurrence chains that lost their occurrence get it back; old outbox rows and idempotency keys go. */
    async reconcileJobsWithTemporal(): Promise<number> {
      const context = Context.current();
      const ended = await services().reconciler.reconcileOpenJobs(undefined, (progress) => context.heartbeat(progress));
      const reseeded = await services().scheduler.reseedBrokenChains();
      await services().outbox.pruneDelivered();
      await services().idempotency.pruneExpired();
      return ended + reseeded;
    },

    async ensureAssignmentSchedules(): Promise<number> {
      return services().assignmentFirings.ensureSchedules();
    },

    async nodesWithPendingPasswords(): Promise<string[]> {
      return services().pendingSettler.nodesWithDueRecords();
    },

    /** Run on each node's own queue: a node settles the records it rotated, as it reaches their hosts. */
    async settlePendingPasswords(): Promise<number> {
      const context = Context.current();
      return services().pendingSettler.settleDue(deps.nodeName, () => context.heartbeat());
    },
  };
}
