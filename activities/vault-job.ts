import { Context } from '@temporalio/activity';
import { JobEventKind, type JobState } from '../lib/enums';
import type { ReconcileOutcome } from '../services/vault/rotation-service';
import type { JobPlan, StartedJob } from '../services/vault/vault-job-service';
import { type ActivityDependencies, servicesFor } from './dependencies';
import { permanentFailuresAreFinal } from './permanent-failures';

export interface JobRef {
  jobId: string;
}

export interface FinishJobInput extends JobRef {
  state: JobState;
  result: string;
}

/** Heartbeats on a timer, so a long quiet command on the host is not mistaken for a dead worker. */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 5_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Activities of a vault task job (workflows/vault-task-job.ts): planning, the host steps, fallback and bookkeeping. */
export function createVaultJobActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);
  const heartbeat = () => Context.current().heartbeat();
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

    async countActiveSessions({ jobId }: JobRef): Promise<number> {
      return services().vaultJobs.activeSessions(jobId);
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
      return permanentFailuresAreFinal(async () => {
        const { exitCode, alreadyChanged } = await heartbeating(() => services().rotation.changePasswordOnHost(jobId, heartbeat));
        await recordStep(jobId, alreadyChanged ? 'The host already had the new password' : 'Changed the password on the host');
        return exitCode;
      });
    },

    async verifyPendingPassword({ jobId }: JobRef): Promise<void> {
      await noteRetry(jobId, 'Verifying the new password');
      await permanentFailuresAreFinal(() => services().rotation.verifyPendingPassword(jobId));
      await recordStep(jobId, 'Logged in with the new password');
    },

    async promotePendingPassword({ jobId }: JobRef): Promise<void> {
      await services().rotation.promotePendingPassword(jobId);
      await recordStep(jobId, 'The new password is now current; the previous one is kept in history');
    },

    async runCustomCommand({ jobId }: JobRef): Promise<number> {
      await noteRetry(jobId, 'Running the command');
      const exitCode = await permanentFailuresAreFinal(() => heartbeating(() => services().customCommands.run(jobId, heartbeat)));
      await recordStep(jobId, 'Ran the command');
      return exitCode;
    },

    async verifyCurrentPassword({ jobId }: JobRef): Promise<void> {
      await permanentFailuresAreFinal(() => services().rotation.verifyCurrentPassword(jobId));
      await recordStep(jobId, 'Logged in with the password the vault holds');
    },

    /** After a failed or cancelled rotation: keep whichever password the host accepts. */
    async reconcileRecordPassword({ jobId }: JobRef): Promise<ReconcileOutcome> {
      const outcome = await permanentFailuresAreFinal(() => services().rotation.reconcileAfterJob(jobId));
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
