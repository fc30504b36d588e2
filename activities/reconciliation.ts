import { Context } from '@temporalio/activity';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import type { NodeSettleAnswer, NodeSettlePlan } from '../services/vault/pending-settler';
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

    /** Remote nodes are seen when a worker of theirs last polled: a keyless worker has no database to say so itself. Returns how many were seen. */
    async noteNodesSeen(): Promise<number> {
      const { nodes } = services();
      let seen = 0;
      for (const { name } of await nodes.list()) {
        if (name === LOCAL_NODE) continue;
        const { pollers } = await deps.client.workflowService.describeTaskQueue({
          namespace: deps.client.options.namespace,
          taskQueue: { name: taskQueueForNode(name), kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        });
        const lastPoll = Math.max(0, ...(pollers ?? []).map((poller) => optionalTsToMs(poller.lastAccessTime) ?? 0));
        if (lastPoll === 0) continue;
        await nodes.noteSeen(name, new Date(lastPoll));
        seen++;
      }
      return seen;
    },

    /** A remote node's due records with their logins; the node tries them (settleLoginsOnNode), so it needs neither the database nor the master key. */
    async planNodeSettles({ nodeName }: { nodeName: string }): Promise<NodeSettlePlan[]> {
      return services().pendingSettler.planOnNode(nodeName);
    },

    async recordNodeSettles({ answers }: { answers: NodeSettleAnswer[] }): Promise<number> {
      return services().pendingSettler.recordFromNode(answers);
    },

    /** Run on each node's own queue: a node settles the records it rotated, as it reaches their hosts. */
    async settlePendingPasswords(): Promise<number> {
      const context = Context.current();
      return services().pendingSettler.settleDue(deps.nodeName, () => context.heartbeat());
    },
  };
}
