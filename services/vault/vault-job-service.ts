import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, VaultRecord } from '../../db/entities';
import { PolicyEvent, ScriptKey } from '../../lib/enums';
import type { JobService } from '../jobs/job-service';
import { PermanentFailure } from '../shared/permanent-failure';
import type { SessionService, SessionWait } from './session-service';
import type { TaskScheduler } from './task-scheduler';

/** What a vault task job's workflow needs before it starts. */
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

export interface StartedJob {
  /** False when the job ended before a worker reached it (for example cancelled). */
  runnable: boolean;
  script: ScriptKey;
}

/** A vault task job's lifecycle before its host steps: planning, starting, and the sessions it may wait for. */
export class VaultJobService {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
    private readonly scheduler: TaskScheduler,
    private readonly sessions: SessionService,
  ) {}

  async plan(jobId: string): Promise<JobPlan> {
    const job = await this.em.findOne(Job, { id: jobId }, { populate: ['task'] });
    if (!job) return { runnable: false, script: ScriptKey.VERIFY_PASSWORD, scheduledFor: new Date(0).toISOString(), account: '', lockWorkflowId: '' };
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() });
    const account = `${record.username}@${record.host}:${record.port}`;
    return {
      runnable: job.state === 'SCHEDULED',
      script: job.task?.getEntity().script ?? ScriptKey.VERIFY_PASSWORD,
      scheduledFor: job.scheduledFor.toISOString(),
      account,
      lockWorkflowId: accountLockWorkflowId(account),
      deferUntilSessionsEnd: job.triggerEvent === PolicyEvent.AFTER_SESSION && !!job.task?.getEntity().deferUntilSessionsEnd,
    };
  }

  /** Marks the job Running, unless it already ended. A job whose task was removed fails for good. */
  async start(jobId: string, nodeName: string): Promise<StartedJob> {
    const job = await this.em.findOne(Job, { id: jobId }, { populate: ['task'] });
    if (!job) return { runnable: false, script: ScriptKey.VERIFY_PASSWORD }; // deleted with its record
    const runnable = await this.jobs.markRunning(jobId, nodeName);
    // A recurring occurrence that starts makes the next one visible in Job History.
    if (runnable) await this.scheduler.continueRecurrence(job);
    const script = job.task?.getEntity().script;
    if (!script) throw new PermanentFailure('The task of this job was removed');
    return { runnable, script };
  }

  /** For jobs whose workflows wait on signals alone (started before sessions ran out by themselves). */
  async activeSessions(jobId: string): Promise<number> {
    return (await this.sessionWait(jobId)).active;
  }

  async sessionWait(jobId: string): Promise<SessionWait> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    return this.sessions.waitFor(job.recordId());
  }
}

/**
 * One lock per account, so records that share `user@host:port` wait for each other. Named by the
 * account's SHA-256: workflow IDs are never encrypted, and Temporal's visibility should not list
 * who has an account on which host. Jobs planned before keep `account-lock-<user>@<host>:<port>`,
 * the lock of the plan recorded in their history.
 */
function accountLockWorkflowId(account: string): string {
  return `account-lock-${createHash('sha256').update(account).digest('hex')}`;
}
