import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, EngineCommandKind, FINAL_JOB_STATES, Job, JobEventKind, JobState, JobType } from '../../db/entities';
import { LOCAL_NODE } from '../../lib/nodes';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import type { EngineOutbox } from './engine-outbox';
import type { JobService } from './job-service';
import type { ClientRunService } from '../client-tasks/runs/client-run-service';
import type { TaskScheduler } from '../vault/task-scheduler';

const STATE_NAMES: Record<JobState, string> = {
  [JobState.SCHEDULED]: 'Scheduled',
  [JobState.RUNNING]: 'Running',
  [JobState.COMPLETED]: 'Completed',
  [JobState.ERROR]: 'Error',
  [JobState.CANCELLED]: 'Cancelled',
  [JobState.INCOMPATIBLE]: 'Incompatible',
};

function stateName(state: JobState): string {
  return STATE_NAMES[state];
}

/** What operators do to jobs in Job History: Run and Cancel. */
export class JobActionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
    private readonly scheduler: TaskScheduler,
    private readonly clientRuns: ClientRunService,
    private readonly outbox: EngineOutbox,
  ) {}

  /** Sends a Scheduled job of the local node to the queue now. */
  async run(actor: Actor, jobId: string): Promise<Job> {
    const job = await this.jobs.getJob(jobId);
    if (job.state !== JobState.SCHEDULED) {
      throw new ConflictError(`Only a Scheduled job can be Run; this job is ${stateName(job.state)}`);
    }
    if (job.system) {
      throw new ConflictError('A client task job starts with its run, at its randomized start time; use Run Client Task Now to run the task at once');
    }
    if (job.nodeName !== LOCAL_NODE) {
      throw new BadInputError(
        `This job runs on the remote node "${job.nodeName}"; Run is available only for jobs of the local node. It will run at its scheduled time.`,
        'jobId',
      );
    }
    this.outbox.add(this.em, { kind: EngineCommandKind.RUN_JOB_NOW, workflowId: job.workflowId, subjectId: job.id });
    if (job.type !== JobType.FALLBACK) job.type = JobType.MANUAL_RUN;
    this.jobs.addEvent(job, JobEventKind.QUEUED, `Run now by ${actor.name}`);
    const cancelledCycles = await this.endFallbackCycles(job, actor);
    this.audit(actor, 'runJob', job);
    await this.em.flush();
    await this.outbox.deliverSoon([job.workflowId, ...cancelledCycles]);
    return job;
  }

  /** Cancels a Scheduled job at once, or asks a Running one to stop (its workflow settles the vault first). */
  async cancel(actor: Actor, jobId: string): Promise<Job> {
    const job = await this.jobs.getJob(jobId);
    if (FINAL_JOB_STATES.includes(job.state)) {
      throw new ConflictError(`The job already ended: it is ${stateName(job.state)}`);
    }
    const reason = `Cancelled by ${actor.name}`;
    // A client task job still waiting in its run has no workflow yet: the run simply never starts it.
    if (job.run && (await this.clientRuns.cancelWaitingJob(job.id, reason))) {
      this.audit(actor, 'cancelJob', job);
      await this.em.flush();
      await this.em.refresh(job);
      return job;
    }
    this.outbox.add(this.em, { kind: EngineCommandKind.CANCEL_JOB, workflowId: job.workflowId, subjectId: job.id });
    if (job.state === JobState.SCHEDULED) {
      await this.jobs.finish(job.id, JobState.CANCELLED, reason);
      // Cancelling one occurrence of a recurring task skips it; the next one is scheduled.
      await this.scheduler.continueRecurrence(job);
    } else {
      this.jobs.addEvent(job, JobEventKind.CANCELLED, `Cancellation requested by ${actor.name}`);
    }
    const cancelledCycles = await this.endFallbackCycles(job, actor);
    this.audit(actor, 'cancelJob', job);
    await this.em.flush();
    await this.outbox.deliverSoon([job.workflowId, ...cancelledCycles]);
    return job;
  }

  /**
   * A person's Run or Cancel during a fallback cycle ends fallback for the record: every open
   * cycle stops, and its Scheduled Fallback jobs (other than the one acted on) are cancelled.
   * Returns the workflows told to cancel.
   */
  private async endFallbackCycles(actedOn: Job, actor: Actor): Promise<string[]> {
    if (!actedOn.record) return []; // client task jobs have no fallback
    const pending = await this.em.find(Job, {
      record: actedOn.record.id,
      type: JobType.FALLBACK,
      state: { $nin: [...FINAL_JOB_STATES] },
    });
    const cycles = new Set([actedOn, ...pending].map((job) => job.fallbackOf?.id).filter((id): id is string => !!id));
    for (const rootId of cycles) {
      const root = await this.em.findOneOrFail(Job, { id: rootId });
      root.fallbackCancelledAt ??= new Date();
    }
    const cancelled: string[] = [];
    for (const job of pending) {
      if (job.id === actedOn.id) continue;
      this.outbox.add(this.em, { kind: EngineCommandKind.CANCEL_JOB, workflowId: job.workflowId, subjectId: job.id });
      await this.jobs.finish(job.id, JobState.CANCELLED, `Fallback cancelled: ${actor.name} acted on job ${actedOn.id}`);
      cancelled.push(job.workflowId);
    }
    return cancelled;
  }

  private audit(actor: Actor, action: string, job: Job): void {
    addAuditEvent(this.em, { actor, action, target: { type: 'Job', id: job.id }, outcome: AuditOutcome.SUCCESS, details: { recordId: job.record?.id ?? null, systemId: job.system?.id ?? null } });
  }
}
