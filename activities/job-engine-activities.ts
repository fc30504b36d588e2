import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { Job, VaultRecord } from '../db/entities';
import { JobEventKind, PolicyEvent, ScriptKey } from '../lib/enums';
import { SessionService } from '../services/vault/session-service';
import { AccessRequestService } from '../services/vault/access-request-service';
import { FallbackService } from '../services/vault/fallback-service';
import type { JobLauncher } from '../services/ports';
import { JobReconciler } from '../services/jobs/reconciler';
import { JobService } from '../services/jobs/job-service';
import type { VaultSecrets } from '../services/shared/vault-secrets';
import { accountHolderQuery, accountLock, acquireAccountSignal } from '../workflows/account-lock';
import type { JobRef } from './vault-job-activities';

export interface JobEngineDependencies {
  orm: MikroORM;
  secrets: VaultSecrets;
  client: Client;
  launcher: JobLauncher;
}

export interface JobPlan {
  /** False when the job ended before a worker reached it (for example cancelled). */
  runnable: boolean;
  script: ScriptKey;
  /** When the job is due, ISO 8601. */
  scheduledFor: string;
  /** The account the job changes, `user@host:port`, and the workflow that serializes jobs on it. */
  account: string;
  lockWorkflowId: string;
  /** An After Session job of a task that defers until the last active session ends. */
  deferUntilSessionsEnd?: boolean;
}

export interface AccountLockRequest extends JobRef {
  account: string;
  lockWorkflowId: string;
}

/** Activities every job uses: planning, the per-account lock, fallback and reconciliation. */
export function createJobEngineActivities({ orm, secrets, client, launcher }: JobEngineDependencies) {
  const jobs = () => new JobService(orm.em.fork(), secrets, launcher);

  return {
    async getJobPlan({ jobId }: JobRef): Promise<JobPlan> {
      const em = orm.em.fork();
      const job = await em.findOne(Job, { id: jobId }, { populate: ['task'] });
      if (!job) return { runnable: false, script: ScriptKey.VERIFY_PASSWORD, scheduledFor: new Date(0).toISOString(), account: '', lockWorkflowId: '' };
      const record = await em.findOneOrFail(VaultRecord, { id: job.recordId() });
      const account = `${record.username}@${record.host}:${record.port}`;
      return {
        runnable: job.state === 'SCHEDULED',
        script: job.task?.getEntity().script ?? ScriptKey.VERIFY_PASSWORD,
        scheduledFor: job.scheduledFor.toISOString(),
        account,
        lockWorkflowId: `account-lock-${account}`,
        deferUntilSessionsEnd: job.triggerEvent === PolicyEvent.AFTER_SESSION && !!job.task?.getEntity().deferUntilSessionsEnd,
      };
    },

    async countActiveSessions({ jobId }: JobRef): Promise<number> {
      const em = orm.em.fork();
      const job = await em.findOneOrFail(Job, { id: jobId });
      return new SessionService(em).activeCount(job.recordId());
    },

    /** Joins the account's queue (starting its lock workflow if needed) and says in Job History whom it waits for. */
    async requestAccountLock({ jobId, account, lockWorkflowId }: AccountLockRequest): Promise<void> {
      const { workflowId } = await jobs().getJob(jobId);
      const { taskQueue } = Context.current().info;
      const handle = await client.workflow.signalWithStart(accountLock, {
        workflowId: lockWorkflowId,
        taskQueue,
        args: [{ account }],
        signal: acquireAccountSignal,
        signalArgs: [{ holder: workflowId }],
        staticSummary: `Serializes jobs on ${account}`,
      });
      const holder = await handle.query(accountHolderQuery).catch(() => null);
      if (holder && holder !== workflowId) {
        await jobs().recordEvent(jobId, JobEventKind.STEP, `Waiting for ${holder}, which is changing the same account (${account})`);
      }
    },

    async isWorkflowOpen({ workflowId }: { workflowId: string }): Promise<boolean> {
      try {
        const { status } = await client.workflow.getHandle(workflowId).describe();
        return status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },

    async scheduleFallback({ jobId }: JobRef): Promise<string | null> {
      return new FallbackService(orm.em.fork(), secrets, launcher).scheduleAfterFailure(jobId);
    },

    async fireAccessEvent({ requestId, event }: { requestId: string; event: PolicyEvent }): Promise<void> {
      await new AccessRequestService(orm.em.fork(), secrets, undefined, launcher).fireEvent(requestId, event);
    },

    async expireAccessRequest({ requestId }: { requestId: string }): Promise<void> {
      await new AccessRequestService(orm.em.fork(), secrets, undefined, launcher).expire(requestId);
    },

    async lapseAccessRequest({ requestId }: { requestId: string }): Promise<void> {
      await new AccessRequestService(orm.em.fork(), secrets, undefined, launcher).lapse(requestId);
    },

    async reconcileJobsWithTemporal(): Promise<number> {
      return new JobReconciler(orm.em.fork(), secrets, launcher).reconcileOpenJobs();
    },
  };
}
