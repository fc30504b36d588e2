import { randomUUID } from 'node:crypto';
import type { FilterQuery, RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientTask, EngineCommandKind, ClientTaskCapability, FINAL_JOB_STATES, Job, JobEvent, JobEventKind, JobState, JobType, PolicyEvent, Task, type User, type VaultRecord } from '../../db/entities';
import { RecordPermission } from '../../lib/enums';
import { type ClientTaskPermissions, isAdministrator } from '../client-tasks/permissions';
import { type Actor, actorOf, addAuditEvent } from '../shared/audit';
import { resolveJobTarget } from '../vault/job-target';
import type { RecordAccess } from '../vault/record-access';
import { BadInputError, ForbiddenError, NotFoundError } from '../shared/errors';
import type { EngineCommandSpec, EngineOutbox } from './engine-outbox';
import type { JobMetrics } from '../ports';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import type { RecordService } from '../vault/record-service';
import { findByIdOrNotFound } from '../shared/find';
import { inOneTransaction } from '../shared/one-transaction';
import type { WebhookEvents } from '../webhooks/webhook-events';

/**
 * The due-time dispatcher: a job's workflow starts this long before the job is due, not when the
 * job is created. A week of occurrences for 100,000 records waits as outbox rows, not as 100,000
 * sleeping workflows; the relay starts each when its time comes (services/jobs/engine-outbox.ts).
 */
const START_LEAD_MS = 15 * 60_000;

/** When the start of a job scheduled for `scheduledFor` is due: at once when it is due within the lead. */
function startDueAt(scheduledFor: Date): Date | undefined {
  const dueAt = scheduledFor.getTime() - START_LEAD_MS;
  return dueAt > Date.now() ? new Date(dueAt) : undefined;
}

export interface NewJob {
  record: VaultRecord;
  task: Task;
  type: JobType;
  scheduledFor: Date;
  /** The first entry of the job's timeline: why it exists. */
  reason: string;
  requestedBy?: Actor | null;
  fallbackOf?: Job | null;
  fallbackCycle?: number | null;
  dueAt?: Date | null;
  triggerEvent?: PolicyEvent | null;
  /** For recurring occurrences: the record and task whose schedule it is (Target Record may send the job elsewhere). */
  chain?: { record: VaultRecord; task: Task } | null;
  audit?: { actor: Actor; action: string };
}

/** What a new job writes: its row, its first event (Scheduled, with the reason) and the command that starts its workflow. */
export interface NewJobRows {
  job: RequiredEntityData<Job> & { id: string; workflowId: string };
  event: Omit<RequiredEntityData<JobEvent>, 'job'>;
  start: EngineCommandSpec;
}

/**
 * A new job's rows, its ID chosen here: `stage` adds them to a unit of work, a bulk import inserts
 * them by the thousand (relations are entities, which an insert writes as their IDs).
 */
export function newJobRows(spec: NewJob): NewJobRows {
  const id = randomUUID();
  const workflowId = `job-${id}`;
  return {
    job: {
      id,
      workflowId,
      record: spec.record,
      task: spec.task,
      taskName: spec.task.name,
      type: spec.type,
      nodeName: spec.task.executionNode,
      requestedBy: spec.requestedBy?.id ?? null,
      scheduledFor: spec.scheduledFor,
      fallbackOf: spec.fallbackOf ?? null,
      fallbackCycle: spec.fallbackCycle ?? null,
      dueAt: spec.dueAt ?? null,
      triggerEvent: spec.triggerEvent ?? null,
      chainRecord: spec.chain?.record ?? null,
      chainTask: spec.chain?.task ?? null,
    },
    event: { kind: JobEventKind.SCHEDULED, message: spec.reason, at: new Date() },
    start: { kind: EngineCommandKind.START_JOB, workflowId, subjectId: id, dueAt: startDueAt(spec.scheduledFor) },
  };
}

export interface JobFilter {
  recordId?: string | null;
  taskId?: string | null;
  systemId?: string | null;
  clientTaskId?: string | null;
  runId?: string | null;
  states?: JobState[] | null;
  types?: JobType[] | null;
  nodeName?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

const FINAL_EVENT: Record<string, JobEventKind> = {
  [JobState.COMPLETED]: JobEventKind.COMPLETED,
  [JobState.ERROR]: JobEventKind.FAILED,
  [JobState.CANCELLED]: JobEventKind.CANCELLED,
  // Never started: the system's OS is one the task type does not support; the event's message says so.
  [JobState.INCOMPATIBLE]: JobEventKind.CANCELLED,
};

/** Jobs: creating them, following their lifecycle, and Job History. */
export class JobService {
  constructor(
    private readonly em: EntityManager,
    private readonly records: RecordService,
    private readonly recordAccess: RecordAccess,
    private readonly clientTaskPermissions: ClientTaskPermissions,
    private readonly outbox: EngineOutbox,
    private readonly webhooks: WebhookEvents,
    private readonly metrics?: JobMetrics,
  ) {}

  /**
   * Runs an On Demand task on a record now; needs the Execute permission on the record, and on
   * the record the task targets when that is another one, since the job runs that record's task.
   */
  async runOnDemand(user: User, recordId: string, taskId: string): Promise<Job> {
    const actor = actorOf(user);
    const record = await this.recordAccess.require(user, recordId, RecordPermission.EXECUTE);
    const task = await this.taskOf(record, taskId);
    if (!task.policyEvents.includes(PolicyEvent.ON_DEMAND)) {
      throw new BadInputError(`Task "${task.name}" is not an On Demand task`, 'taskId');
    }
    const target = await resolveJobTarget(this.em, this.records, record, task);
    if (target.record.id !== record.id) await this.recordAccess.assertOnOther(user, target.record.id, RecordPermission.EXECUTE, 'target record');
    return this.createAndLaunch({
      record: target.record,
      task: target.task,
      type: JobType.ON_DEMAND,
      scheduledFor: new Date(),
      requestedBy: actor,
      reason: [`Requested on demand by ${actor.name}`, target.note].filter(Boolean).join('; '),
      audit: { actor, action: 'runOnDemandTask' },
    });
  }

  /** Schedules one run of a task on a record at a given time; it shows in Job History as Scheduled until then. */
  async scheduleRun(actor: Actor, recordId: string, taskId: string, runAt: Date): Promise<Job> {
    const now = Date.now();
    if (runAt.getTime() < now - 60_000) throw new BadInputError('runAt is in the past', 'runAt');
    if (runAt.getTime() > now + 366 * 86_400_000) throw new BadInputError('runAt is more than a year ahead', 'runAt');
    const record = await this.records.getRecord(recordId);
    const task = await this.taskOf(record, taskId);
    return this.createAndLaunch({
      record,
      task,
      type: JobType.SCHEDULED,
      scheduledFor: runAt,
      requestedBy: actor,
      reason: `Scheduled by ${actor.name} for ${runAt.toISOString()}`,
      audit: { actor, action: 'scheduleTaskRun' },
    });
  }

  /**
   * Creates a job (Scheduled) and, in the same transaction, the command that starts its workflow,
   * which waits until `scheduledFor`. Once committed the job stands: its start is delivered now or,
   * while Temporal is away, as soon as it is back.
   */
  async createAndLaunch(spec: NewJob): Promise<Job> {
    const job = await this.em.transactional(async (em) => this.stage(em, spec));
    await this.outbox.deliverSoon([job.workflowId]);
    return job;
  }

  /** Adds a job, its first event and its start command to the caller's unit of work; the caller flushes and delivers. */
  stage(em: EntityManager, spec: NewJob): Job {
    const rows = newJobRows(spec);
    const created = em.create(Job, rows.job);
    em.create(JobEvent, { ...rows.event, job: created });
    if (spec.audit) {
      addAuditEvent(em, {
        actor: spec.audit.actor,
        action: spec.audit.action,
        target: { type: 'Job', id: created.id },
        outcome: AuditOutcome.SUCCESS,
        details: { recordId: spec.record.id, taskId: spec.task.id, scheduledFor: spec.scheduledFor.toISOString() },
      });
    }
    this.outbox.add(em, rows.start);
    return created;
  }

  private async taskOf(record: VaultRecord, taskId: string): Promise<Task> {
    const task = (await this.records.tasksOf(record)).find((candidate) => candidate.id === taskId);
    if (!task) throw new NotFoundError('Task', `${taskId} of record ${record.name}`);
    return task;
  }

  async getJob(id: string): Promise<Job> {
    return findByIdOrNotFound(this.em, Job, id, 'Job');
  }

  /**
   * A job, for a user: vault jobs only of records the user may view (any other answers as a job
   * that does not exist), client task jobs only of products the user may view (administrators see all),
   * server task jobs only by administrators.
   */
  async viewJob(user: User, id: string): Promise<Job> {
    const job = await this.getJob(id);
    // Server task runs name peers and their failures: for administrators, as the server task log is.
    if (job.type === JobType.SERVER_TASK && !isAdministrator(user)) throw new NotFoundError('Job', id);
    if (job.record && !(await this.recordAccess.has(user, job.record.id, RecordPermission.VIEW))) throw new NotFoundError('Job', id);
    if (job.system && !isAdministrator(user)) {
      const task = job.clientTask ? await this.em.findOne(ClientTask, { id: job.clientTask.id }) : null;
      if (!task) throw new ForbiddenError('The client task of this job was deleted; only an administrator may see the job');
      await this.clientTaskPermissions.assertOnTask(user, task, ClientTaskCapability.VIEW);
    }
    return job;
  }

  /** Job History for a user: vault jobs of the records, and client task jobs of the products, the user may view. */
  async listJobs(user: User, filter: JobFilter, page: PageRequest): Promise<Page<Job>> {
    const where: FilterQuery<Job> = {};
    if (!isAdministrator(user)) {
      const viewable = await this.clientTaskPermissions.viewableProductIds(user);
      where.$or = [{ $and: [{ system: null, type: { $ne: JobType.SERVER_TASK } }, this.recordAccess.onViewableRecords<Job>(user)] }, { clientTask: { taskType: { product: { $in: viewable } } } }];
    }
    if (filter.recordId) where.record = filter.recordId;
    if (filter.taskId) where.task = filter.taskId;
    if (filter.systemId) where.system = filter.systemId;
    if (filter.clientTaskId) where.clientTask = filter.clientTaskId;
    if (filter.runId) where.run = filter.runId;
    if (filter.states?.length) where.state = { $in: filter.states };
    if (filter.types?.length) where.type = { $in: filter.types };
    if (filter.nodeName) where.nodeName = filter.nodeName;
    if (filter.createdAfter || filter.createdBefore) {
      where.createdAt = {
        ...(filter.createdAfter ? { $gte: filter.createdAfter } : {}),
        ...(filter.createdBefore ? { $lt: filter.createdBefore } : {}),
      };
    }
    return paginateNewestFirst(this.em, Job, where, page);
  }

  /** A worker picked the job up. Returns false when the job already ended (for example cancelled first). */
  async markRunning(jobId: string, nodeName: string): Promise<boolean> {
    const job = await this.em.findOne(Job, { id: jobId });
    // Gone with its record, or ended before a worker reached it.
    if (!job || FINAL_JOB_STATES.includes(job.state)) return false;
    const starting = job.state !== JobState.RUNNING;
    const startedAt = new Date();
    if (starting) {
      job.state = JobState.RUNNING;
      job.startedAt = startedAt;
      job.nodeName = nodeName;
      this.addEvent(job, JobEventKind.STARTED, `Started on node ${nodeName}`);
    }
    await this.em.flush();
    if (starting) this.metrics?.started(job.type, (startedAt.getTime() - job.scheduledFor.getTime()) / 1000);
    return true;
  }

  async recordStep(jobId: string, message: string): Promise<void> {
    await this.recordEvent(jobId, JobEventKind.STEP, message);
  }

  /** Adds to a job's timeline while it is open; nothing is written onto a job after its final state. */
  async recordEvent(jobId: string, kind: JobEventKind, message: string): Promise<void> {
    const job = await this.em.findOne(Job, { id: jobId });
    if (!job || FINAL_JOB_STATES.includes(job.state)) return; // deleted with its record, or ended
    this.addEvent(job, kind, message);
    await this.em.flush();
  }

  /** Keeps what a job's host work printed, unless the job already ended (in one statement, so it cannot race the end). */
  async keepOutput(jobId: string, details: { output: string; exitCode?: number; report?: Record<string, unknown> }): Promise<void> {
    await this.em.nativeUpdate(Job, { id: jobId, state: { $nin: [...FINAL_JOB_STATES] } }, details);
  }

  /** Moves a job to a final state once; later calls for an ended job change nothing. */
  async finish(jobId: string, state: JobState, result: string): Promise<void> {
    if (!FINAL_JOB_STATES.includes(state)) throw new Error(`${state} is not a final job state`);
    const job = await this.em.findOne(Job, { id: jobId });
    // A job deleted with its record has nothing left to record.
    if (!job || FINAL_JOB_STATES.includes(job.state)) return;
    job.state = state;
    job.result = result;
    job.finishedAt = new Date();
    // The final event carries the end time itself, so no event of the job is later than its end.
    this.addEvent(job, FINAL_EVENT[state]!, result, job.finishedAt);
    // Its webhook deliveries (and its run's, when it is the run's last job) commit with the final state.
    await inOneTransaction(this.em, () => this.webhooks.jobFinished(this.em, job));
    this.metrics?.finished(job.type, state, job.startedAt ? (job.finishedAt.getTime() - job.startedAt.getTime()) / 1000 : null);
  }

  addEvent(job: Job, kind: JobEventKind, message: string, at = new Date()): void {
    this.em.create(JobEvent, { job, kind, message, at });
  }
}
