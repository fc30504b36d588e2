import { Context } from '@temporalio/activity';
import { JobEventKind, type JobState } from '../lib/enums';
import type { ReconcileOutcome } from '../services/vault/rotation-service';
import type { SessionWait } from '../services/vault/session-service';
import type { JobPlan, StartedJob } from '../services/vault/vault-job-service';
import { type ActivityDependencies, servicesFor } from './dependencies';
import { onHost } from './host-work';
import { permanentFailuresAreFinal } from './permanent-failures';

export interface JobRef {
  jobId: string;
}

export interface FinishJobInput extends JobRef {
  state: JobState;
  result: string;
}

/** Activities of a vault task job (workflows/vault-task-job.ts): planning, the host steps, fallback and bookkeeping. */
export function createVaultJobActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);
  /** A retried step leaves a trace in Job History. */
  const noteRetry = async (jobId: string, step: string) => {
    const { attempt } = Context.current().info;
    if (attempt > 1) await services().jobs.recordEvent(jobId, JobEventKind.RETRIED, `${step}: attempt ${attempt}`);
  };
  const recordStep = (jobId: string, message: string) => services().jobs.recordStep(jobId, message);

  return {
    async getJobPlan({ jobId }: JobRef): Promise<JobPlan> {
      return services().vaultJobs.plan(jobId);
    },

    /** Kept for jobs whose workflows count on signals alone; newer ones call sessionWait. */
    async countActiveSessions({ jobId }: JobRef): Promise<number> {
      return services().vaultJobs.activeSessions(jobId);
    },

    async sessionWait({ jobId }: JobRef): Promise<SessionWait> {
      return services().vaultJobs.sessionWait(jobId);
    },

    async startJob({ jobId }: JobRef): Promise<StartedJob> {
      return permanentFailuresAreFinal(() => services().vaultJobs.start(jobId, deps.nodeName));
    },

    async preparePendingPassword({ jobId }: JobRef): Promise<void> {
      await services().rotation.preparePendingPassword(jobId);
      await recordStep(jobId, 'Generated a new password and stored it encrypted as pending');
    },

    async changePasswordOnHost({ jobId }: JobRef): Promise<number> {
      await noteRetry(jobId, 'Changing the password on the host');
      const { exitCode, alreadyChanged } = await onHost(({ signal }) => permanentFailuresAreFinal(() => services().rotation.changePasswordOnHost(jobId, signal)));
      await recordStep(jobId, alreadyChanged ? 'The host already had the new password' : 'Changed the password on the host');
      return exitCode;
    },

    async verifyPendingPassword({ jobId }: JobRef): Promise<void> {
      await noteRetry(jobId, 'Verifying the new password');
      await onHost(() => permanentFailuresAreFinal(() => services().rotation.verifyPendingPassword(jobId)));
      await recordStep(jobId, 'Logged in with the new password');
    },

    async promotePendingPassword({ jobId }: JobRef): Promise<void> {
      await services().rotation.promotePendingPassword(jobId);
      await recordStep(jobId, 'The new password is now current; the previous one is kept in history');
    },

    async runCustomCommand({ jobId }: JobRef): Promise<number> {
      await noteRetry(jobId, 'Running the command');
      const exitCode = await onHost(({ signal }) => permanentFailuresAreFinal(() => services().customCommands.run(jobId, signal)));
      await recordStep(jobId, 'Ran the command');
      return exitCode;
    },

    async verifyCurrentPassword({ jobId }: JobRef): Promise<void> {
      await onHost(() => permanentFailuresAreFinal(() => services().rotation.verifyCurrentPassword(jobId)));
      await recordStep(jobId, 'Logged in with the password the vault holds');
    },

    /** After a failed or cancelled rotation: keep whichever password the host accepts. */
    async reconcileRecordPassword({ jobId }: JobRef): Promise<ReconcileOutcome> {
      // Two logins may take a while on a slow host: heartbeats keep it from passing for a lost worker.
      const outcome = await onHost(() => permanentFailuresAreFinal(() => services().rotation.reconcileAfterJob(jobId)));
      await recordStep(jobId, `Reconciled the vault with the host: ${outcome.toLowerCase().replace(/_/g, ' ')}`);
      return outcome;
    },

    async scheduleFallback({ jobId }: JobRef): Promise<string | null> {
      return services().fallback.scheduleAfterFailure(jobId);
    },

    async finishJob({ jobId, state, result }: FinishJobInput): Promise<void> {
      await services().jobs.finish(jobId, state, result);
    },
  };
}
