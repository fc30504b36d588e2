import { createHmac } from 'node:crypto';
import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, JobEvent, ServerSettings, type Task, VaultRecord } from '../../db/entities';
import { JobEventKind, JobState, JobType, PolicyEvent, ScriptKey } from '../../lib/enums';
import { windowAdjusted } from '../../lib/task-occurrences';
import type { JobService } from '../jobs/job-service';
import { PermanentFailure } from '../shared/permanent-failure';
import { BUILT_IN_SCRIPT_IDS } from '../scripts/built-in-scripts';
import { currentVersionForTask } from '../scripts/library-script-run';
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
  /** The job honours its task's time window, so after waiting it checks the window again before it starts. */
  timeWindow?: boolean;
  /** The node whose worker reaches the record's host. */
  nodeName?: string;
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
    const task = job.task?.getEntity();
    return {
      runnable: job.state === 'SCHEDULED',
      script: task?.script ?? ScriptKey.VERIFY_PASSWORD,
      scheduledFor: job.scheduledFor.toISOString(),
      account,
      lockWorkflowId: await this.accountLockWorkflowId(account),
      deferUntilSessionsEnd: job.triggerEvent === PolicyEvent.AFTER_SESSION && !!task?.deferUntilSessionsEnd,
      timeWindow: honoursTimeWindow(job) && !!task?.timeWindowCron,
      nodeName: job.nodeName,
    };
  }

  /**
   * One lock per account, so records that share `user@host:port` wait for each other. Named by an
   * HMAC of the account under this installation's lock key: workflow IDs are never encrypted, and
   * Temporal's visibility should not list who has an account on which host, nor let anyone
   * confirm a guess. Jobs planned before keep the lock of the plan recorded in their history.
   */
  private async accountLockWorkflowId(account: string): Promise<string> {
    const { lockKey } = await this.em.findOneOrFail(ServerSettings, { id: 1 }, { populate: ['lockKey'] });
    return `account-lock-${createHmac('sha256', lockKey).update(account).digest('hex')}`;
  }

  /**
   * A job about to start after waiting (for the account lock, for sessions to end) whose task's
   * time window closed meanwhile does not start outside it: it moves to the window's next opening,
   * and Job History says so (once per opening, however often the activity is retried). Returns
   * that opening (ISO 8601), or null when the job may start now.
   */
  async timeWindowWait(jobId: string, now = new Date()): Promise<string | null> {
    const job = await this.em.findOne(Job, { id: jobId }, { populate: ['task'] });
    const task = job?.task?.getEntity();
    if (!job || !task || job.state !== JobState.SCHEDULED || !honoursTimeWindow(job)) return null;
    const opensAt = windowAdjusted(task, now);
    if (opensAt.getTime() <= now.getTime()) return null;
    // Job History shows when it will run.
    await this.em.nativeUpdate(Job, { id: job.id, state: JobState.SCHEDULED }, { scheduledFor: opensAt });
    const message = `Outside the time window: waiting for its next opening at ${opensAt.toISOString()}`;
    if (!(await this.em.count(JobEvent, { job: job.id, message }))) this.jobs.addEvent(job, JobEventKind.STEP, message);
    await this.em.flush();
    return opensAt.toISOString();
  }

  /** Marks the job Running, unless it already ended. A job whose task was removed fails for good. */
  async start(jobId: string, nodeName: string): Promise<StartedJob> {
    const job = await this.em.findOne(Job, { id: jobId }, { populate: ['task'] });
    if (!job) return { runnable: false, script: ScriptKey.VERIFY_PASSWORD }; // deleted with its record
    const runnable = await this.jobs.markRunning(jobId, nodeName);
    // A recurring occurrence that starts makes the next one visible in Job History.
    if (runnable) await this.scheduler.continueRecurrence(job);
    const task = job.task?.getEntity();
    if (!task) throw new PermanentFailure('The task of this job was removed');
    if (runnable) await this.recordScriptVersion(job, task);
    return { runnable, script: task.script };
  }

  /**
   * The job keeps the script version it started with, whatever edits come after; a retried start
   * keeps the one the first attempt recorded.
   */
  private async recordScriptVersion(job: Job, task: Task): Promise<void> {
    if (job.libraryScriptVersion) return;
    const version = await currentVersionForTask(this.em, task, BUILT_IN_SCRIPT_IDS[task.script]);
    if (!version) return;
    job.libraryScriptVersion = ref(version);
    job.scriptName = version.name;
    job.scriptVersion = version.version;
    await this.em.flush();
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
 * Jobs that came due on their own (recurring occurrences, policy events, Fallback jobs) run within
 * the task's time window; a person's On Demand, Run or one-off scheduled run does not wait for it.
 */
function honoursTimeWindow(job: Job): boolean {
  return job.dueAt !== null && job.dueAt !== undefined && job.type !== JobType.MANUAL_RUN && job.type !== JobType.ON_DEMAND;
}

