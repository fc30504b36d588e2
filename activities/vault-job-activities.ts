import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { JobEventKind, JobState, ScriptKey } from '../lib/enums';
import { Job } from '../db/entities';
import { PermanentJobError } from '../services/shared/permanent-failure';
import type { JobLauncher } from '../services/ports';
import { CustomCommandService } from '../services/vault/custom-command-service';
import { JobService } from '../services/jobs/job-service';
import { TaskScheduler } from '../services/vault/task-scheduler';
import { type ReconcileOutcome, RotationService } from '../services/vault/rotation-service';
import type { VaultSecrets } from '../services/shared/vault-secrets';

export interface VaultJobDependencies {
  orm: MikroORM;
  secrets: VaultSecrets;
  launcher: JobLauncher;
  /** The worker node these activities run on, recorded on each job. */
  nodeName: string;
}

export interface JobRef {
  jobId: string;
}

export interface StartedJob {
  /** False when the job ended before a worker reached it (for example cancelled). */
  runnable: boolean;
  script: ScriptKey;
}

export interface FinishJobInput extends JobRef {
  state: JobState;
  result: string;
}

/** Permanent failures must not be retried; everything else is (network blips, a restarting database). */
export async function permanentFailuresAreFinal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PermanentJobError) throw ApplicationFailure.nonRetryable(error.message, 'PermanentJobError');
    throw error;
  }
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

/** Activities of a vault task job. Each forks its own EntityManager: activities run concurrently. */
export function createVaultJobActivities({ orm, secrets, nodeName, launcher }: VaultJobDependencies) {
  const jobs = () => new JobService(orm.em.fork(), secrets);
  const rotation = () => new RotationService(orm.em.fork(), secrets);
  const heartbeat = () => Context.current().heartbeat();
  /** A retried step leaves a trace in Job History. */
  const noteRetry = async (jobId: string, step: string) => {
    const { attempt } = Context.current().info;
    if (attempt > 1) await jobs().recordEvent(jobId, JobEventKind.RETRIED, `${step}: attempt ${attempt}`);
  };

  return {
    async startJob({ jobId }: JobRef): Promise<StartedJob> {
      const em = orm.em.fork();
      const job = await em.findOne(Job, { id: jobId }, { populate: ['task'] });
      if (!job) return { runnable: false, script: ScriptKey.VERIFY_PASSWORD }; // deleted with its record
      const runnable = await new JobService(em, secrets).markRunning(jobId, nodeName);
      // A recurring occurrence that starts makes the next one visible in Job History.
      if (runnable) await new TaskScheduler(em, secrets, launcher).continueRecurrence(job);
      const script = job.task?.getEntity().script;
      if (!script) throw ApplicationFailure.nonRetryable('The task of this job was removed', 'PermanentJobError');
      return { runnable, script };
    },

    async preparePendingPassword({ jobId }: JobRef): Promise<void> {
      await rotation().preparePendingPassword(jobId);
      await jobs().recordStep(jobId, 'Generated a new password and stored it encrypted as pending');
    },

    async changePasswordOnHost({ jobId }: JobRef): Promise<number> {
      await noteRetry(jobId, 'Changing the password on the host');
      return permanentFailuresAreFinal(async () => {
        const { exitCode, alreadyChanged } = await heartbeating(() => rotation().changePasswordOnHost(jobId, heartbeat));
        await jobs().recordStep(jobId, alreadyChanged ? 'The host already had the new password' : 'Changed the password on the host');
        return exitCode;
      });
    },

    async verifyPendingPassword({ jobId }: JobRef): Promise<void> {
      await noteRetry(jobId, 'Verifying the new password');
      await permanentFailuresAreFinal(() => rotation().verifyPendingPassword(jobId));
      await jobs().recordStep(jobId, 'Logged in with the new password');
    },

    async promotePendingPassword({ jobId }: JobRef): Promise<void> {
      await rotation().promotePendingPassword(jobId);
      await jobs().recordStep(jobId, 'The new password is now current; the previous one is kept in history');
    },

    async runCustomCommand({ jobId }: JobRef): Promise<number> {
      await noteRetry(jobId, 'Running the command');
      const exitCode = await permanentFailuresAreFinal(() => heartbeating(() => new CustomCommandService(orm.em.fork(), secrets).run(jobId, heartbeat)));
      await jobs().recordStep(jobId, 'Ran the command');
      return exitCode;
    },

    async verifyCurrentPassword({ jobId }: JobRef): Promise<void> {
      await permanentFailuresAreFinal(() => rotation().verifyCurrentPassword(jobId));
      await jobs().recordStep(jobId, 'Logged in with the password the vault holds');
    },

    /** After a failed or cancelled rotation: keep whichever password the host accepts. */
    async reconcileRecordPassword({ jobId }: JobRef): Promise<ReconcileOutcome> {
      const em = orm.em.fork();
      const job = await em.findOneOrFail(Job, { id: jobId });
      const outcome = await permanentFailuresAreFinal(() => new RotationService(em, secrets).reconcile(job.recordId()));
      await jobs().recordStep(jobId, `Reconciled the vault with the host: ${outcome.toLowerCase().replace(/_/g, ' ')}`);
      return outcome;
    },

    async finishJob({ jobId, state, result }: FinishJobInput): Promise<void> {
      await jobs().finish(jobId, state, result);
    },
  };
}
