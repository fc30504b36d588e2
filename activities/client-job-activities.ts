import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { AssignmentScheduleService, type AssignmentFiring } from '../services/assignments/firings';
import { ClientJobService, type ClientJobPlan, type ClientJobStart } from '../services/client-tasks/runs/client-job-service';
import { ClientRunService, type DueClientJob } from '../services/client-tasks/runs/client-run-service';
import type { ClientWorkflows } from '../services/ports';
import { PermanentEndpointError } from '../services/client-tasks/endpoint';
import type { VaultSecrets } from '../services/shared/vault-secrets';
import type { JobRef } from './vault-job-activities';

export interface ClientJobDependencies {
  orm: MikroORM;
  secrets: VaultSecrets;
  clientWorkflows: ClientWorkflows;
  nodeName: string;
}

export interface ClaimedClientJobs {
  jobs: DueClientJob[];
  /** Jobs of the run still waiting for their start time, and when the first of them is due (ISO 8601). */
  waiting: number;
  nextDueAt: string | null;
}

/** Activities of client task runs, their jobs, and assignment schedules. Each forks its own EntityManager. */
export function createClientJobActivities({ orm, secrets, clientWorkflows, nodeName }: ClientJobDependencies) {
  const clientJobs = () => new ClientJobService(orm.em.fork(), secrets);
  const runs = () => new ClientRunService(orm.em.fork(), clientWorkflows);
  const schedules = () => new AssignmentScheduleService(orm.em.fork(), clientWorkflows);

  return {
    async getClientJobPlan({ jobId }: JobRef): Promise<ClientJobPlan> {
      return clientJobs().plan(jobId);
    },

    async startClientJob({ jobId }: JobRef): Promise<ClientJobStart> {
      return clientJobs().start(jobId, nodeName);
    },

    /** The SSH work: heartbeats with progress, and stops the task on the host when cancelled. */
    async runClientTaskOnSystem({ jobId }: JobRef): Promise<string> {
      const context = Context.current();
      try {
        return await clientJobs().runOnSystem(jobId, { heartbeat: (details) => context.heartbeat(details), signal: context.cancellationSignal });
      } catch (error) {
        // Stopped on the host because the job was cancelled: Temporal records a cancellation, not a failure.
        if (context.cancellationSignal.aborted) throw new CancelledFailure('Stopped on the host');
        if (error instanceof PermanentEndpointError) throw ApplicationFailure.nonRetryable((error as Error).message, 'PermanentJobError');
        throw error;
      }
    },

    async claimDueClientJobs({ runId, limit }: { runId: string; limit: number }): Promise<ClaimedClientJobs> {
      return runs().claimDueJobs(runId, limit);
    },

    async nextAssignmentFiring({ assignmentId, after }: { assignmentId: string; after: string | null }): Promise<AssignmentFiring | null> {
      return schedules().nextFiring(assignmentId, after ? new Date(after) : null);
    },

    async ensureAssignmentSchedules(): Promise<number> {
      return schedules().ensureSchedules();
    },

    async fireAssignment({ assignmentId, firedAt, timeZones, startAt }: AssignmentFiring & { assignmentId: string }): Promise<number> {
      return schedules().fire(assignmentId, new Date(firedAt), timeZones, new Date(startAt));
    },
  };
}
