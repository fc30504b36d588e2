import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  AuditOutcome,
  FINAL_JOB_STATES,
  Job,
  JobEvent,
  JobEventKind,
  JobState,
  JobType,
  PolicyEvent,
  Task,
} from '../db/entities';
import { type Actor, AuditService } from './audit-service';
import { BadInputError, ConflictError, NotFoundError } from './errors';
import type { JobLauncher } from './job-launcher';
import { type Page, type PageRequest, paginateNewestFirst } from './pagination';
import { RecordService } from './record-service';
import { assertId } from './validation';
import type { VaultSecrets } from './vault-secrets';

export interface JobFilter {
  recordId?: string | null;
  taskId?: string | null;
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
};

/** Jobs: creating them, following their lifecycle, and Job History. */
export class JobService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly launcher?: JobLauncher,
  ) {}

  /** Runs an On Demand task on a record now. */
  async runOnDemand(actor: Actor, recordId: string, taskId: string): Promise<Job> {
    const records = new RecordService(this.em, this.secrets);
    const record = await records.getRecord(recordId);
    const task = (await records.tasksOf(record)).find((candidate) => candidate.id === taskId);
    if (!task) throw new NotFoundError('Task', `${taskId} of record ${record.name}`);
    if (!task.policyEvents.includes(PolicyEvent.ON_DEMAND)) {
      throw new BadInputError(`Task "${task.name}" is not an On Demand task`, 'taskId');
    }
    const job = await this.em.transactional(async (em) => {
      const created = em.create(Job, {
        record,
        task,
        taskName: task.name,
        type: JobType.ON_DEMAND,
        nodeName: task.executionNode,
        workflowId: '',
        requestedBy: actor.id,
        scheduledFor: new Date(),
      });
      created.workflowId = `job-${created.id}`;
      em.create(JobEvent, { job: created, kind: JobEventKind.SCHEDULED, message: `Requested on demand by ${actor.name}`, at: new Date() });
      new AuditService(em).add({
        actor,
        action: 'runOnDemandTask',
        target: { type: 'Job', id: created.id },
        outcome: AuditOutcome.SUCCESS,
        details: { recordId: record.id, taskId: task.id },
      });
      return created;
    });
    await this.launch(job, record, task);
    return job;
  }

  async getJob(id: string): Promise<Job> {
    assertId(id, 'Job');
    const job = await this.em.findOne(Job, { id });
    if (!job) throw new NotFoundError('Job', id);
    return job;
  }

  listJobs(filter: JobFilter, page: PageRequest): Promise<Page<Job>> {
    const where: FilterQuery<Job> = {};
    if (filter.recordId) where.record = filter.recordId;
    if (filter.taskId) where.task = filter.taskId;
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
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    if (FINAL_JOB_STATES.includes(job.state)) return false;
    if (job.state !== JobState.RUNNING) {
      job.state = JobState.RUNNING;
      job.startedAt = new Date();
      job.nodeName = nodeName;
      this.addEvent(job, JobEventKind.STARTED, `Started on node ${nodeName}`);
    }
    await this.em.flush();
    return true;
  }

  async recordStep(jobId: string, message: string): Promise<void> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    this.addEvent(job, JobEventKind.STEP, message);
    await this.em.flush();
  }

  /** Moves a job to a final state once; later calls for an ended job change nothing. */
  async finish(jobId: string, state: JobState, result: string): Promise<void> {
    if (!FINAL_JOB_STATES.includes(state)) throw new Error(`${state} is not a final job state`);
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    if (FINAL_JOB_STATES.includes(job.state)) return;
    job.state = state;
    job.result = result;
    job.finishedAt = new Date();
    this.addEvent(job, FINAL_EVENT[state]!, result);
    await this.em.flush();
  }

  private async launch(job: Job, record: Parameters<JobLauncher['launch']>[1], task: Task): Promise<void> {
    if (!this.launcher) throw new ConflictError('This process cannot start jobs');
    try {
      const queue = await this.launcher.launch(job, record, task);
      this.addEvent(job, JobEventKind.QUEUED, `Sent to task queue ${queue}`);
      await this.em.flush();
    } catch (error) {
      await this.finish(job.id, JobState.ERROR, `Could not be queued: ${(error as Error).message}`);
      throw error;
    }
  }

  private addEvent(job: Job, kind: JobEventKind, message: string): void {
    this.em.create(JobEvent, { job, kind, message, at: new Date() });
  }
}
