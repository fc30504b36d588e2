import type { AssignmentFiring } from '../services/assignments/firings';
import type { ClientJobPlan, ClientJobStart } from '../services/client-tasks/runs/client-job-service';
import type { SystemWait } from '../services/client-tasks/runs/unreachable-systems';
import type { EndpointRunPlan } from '../services/client-tasks/endpoint';
import type { NodeRunResult } from '../services/client-tasks/endpoint/node-run';
import type { DueClientJob } from '../services/client-tasks/runs/client-run-service';
import { type ActivityDependencies, servicesFor } from './dependencies';
import { onHost } from './host-work';
import { permanentFailuresAreFinal } from './permanent-failures';
import type { JobRef } from './vault-job';

export interface ClaimedClientJobs {
  jobs: DueClientJob[];
  /** Jobs of the run still waiting for their start time, and when the first of them is due (ISO 8601). */
  waiting: number;
  nextDueAt: string | null;
}

/**
 * Activities of the client task family: a run (workflows/client-run.ts), its jobs
 * (workflows/client-task-job.ts), and assignment schedules (workflows/assignment-schedule.ts).
 */
export function createClientJobActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);

  return {
    async getClientJobPlan({ jobId }: JobRef): Promise<ClientJobPlan> {
      return services().clientJobs.plan(jobId);
    },

    /**
     * Whether the job's system answers SSH; when not, how long the job waits before it looks again,
     * or how it ended. `unreachable` is what the system's remote node saw (null: it answers).
     */
    async awaitClientSystem({ jobId, attempt, unreachable }: JobRef & { attempt: number; unreachable?: string | null }): Promise<SystemWait> {
      return services().clientJobs.awaitSystem(jobId, attempt, unreachable);
    },

    async startClientJob({ jobId }: JobRef): Promise<ClientJobStart> {
      return services().clientJobs.start(jobId);
    },

    /** The run a remote node carries out for the job, credentials included: the payload converter seals it for that node. */
    async planClientTaskOnNode({ jobId }: JobRef): Promise<EndpointRunPlan> {
      return permanentFailuresAreFinal(() => services().clientJobs.planOnNode(jobId));
    },

    async recordClientTaskFromNode({ jobId, result }: JobRef & { result: NodeRunResult }): Promise<string> {
      return services().clientJobs.recordFromNode(jobId, result);
    },

    /** The SSH work: heartbeats with progress, and stops the task on the host when cancelled. */
    async runClientTaskOnSystem({ jobId }: JobRef): Promise<string> {
      return onHost((host) => permanentFailuresAreFinal(() => services().clientJobs.runOnSystem(jobId, host)));
    },

    async claimDueClientJobs({ runId, limit }: { runId: string; limit: number }): Promise<ClaimedClientJobs> {
      return services().clientRuns.claimDueJobs(runId, limit);
    },

    async nextAssignmentFiring({ assignmentId, after }: { assignmentId: string; after: string | null }): Promise<AssignmentFiring | null> {
      return services().assignmentFirings.nextFiring(assignmentId, after ? new Date(after) : null);
    },

    async fireAssignment({ assignmentId, firedAt, timeZones, startAt }: AssignmentFiring & { assignmentId: string }): Promise<number> {
      return services().assignmentFirings.fire(assignmentId, new Date(firedAt), timeZones, new Date(startAt));
    },
  };
}
