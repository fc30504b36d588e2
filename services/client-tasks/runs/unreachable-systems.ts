import type { EntityManager } from '@mikro-orm/postgresql';
import { type ClientRun, type ClientTaskAssignment, Job, JobEvent, JobEventKind, JobState, type ManagedSystem } from '../../../db/entities';
import { type AssignmentSchedule, nextAssignmentFire } from '../../../lib/assignment-occurrences';
import { SshConnectionError, scanHostKey } from '../../../infra/ssh';
import type { JobService } from '../../jobs/job-service';

/** What a job of an assignment firing does about its system before it starts. */
export interface SystemWait {
  /** Try again after this long: the system is unreachable and the job waits for it. */
  retryInMs: number | null;
  /** The job ended without running (the service recorded it and why). */
  ended: { state: JobState; reason: string } | null;
}

const GO_ON: SystemWait = { retryInMs: null, ended: null };
/** Tries after an unreachable system back off from here, doubling, to at most RETRY_MAX_MS. */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 5 * 60_000;
/** A schedule that fires no more (ONCE, IMMEDIATELY, its end date passed) waits this long for its system. */
const LONGEST_WAIT_MS = 7 * 24 * 60 * 60_000;

/**
 * Run missed task, the way ePO means it: a system that does not answer SSH when its assignment
 * fires is waited for (tried again with backoff) until the assignment's next firing, and the task
 * runs once when it is back; if the next firing comes first, this one is skipped, since the new
 * one covers it. With Run missed task off the job ends at once. Job History says which.
 */
export class UnreachableSystems {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
  ) {}

  /**
   * `attempt` counts from 0: the first look at the system is at the job's start time. `probed` is
   * what the system's node found when it looked (null: it answers); without it, this process looks.
   */
  async check(job: Job, system: ManagedSystem, run: ClientRun, assignment: ClientTaskAssignment, attempt: number, probed?: string | null, now = new Date()): Promise<SystemWait> {
    const { schedule } = assignment;
    const deadline = nextFiringAfter(schedule, run);
    if (attempt > 0 && schedule.runMissed && now >= deadline) {
      return this.end(job, JobState.CANCELLED, `Skipped: the system was unreachable until the next firing (${deadline.toISOString()}), which runs instead`);
    }
    const unreachable = probed !== undefined ? probed : await unreachableReason(system);
    if (!unreachable) {
      if (attempt > 0) await this.jobs.recordStep(job.id, `The system answers again after ${attempt} failed look(s); running the missed task once`);
      return GO_ON;
    }
    if (!schedule.runMissed) {
      return this.end(job, JobState.ERROR, `System unreachable (${unreachable}); Run missed task is off, so this firing does not wait for it`);
    }
    if (attempt === 0) {
      await this.note(job, `System unreachable (${unreachable}): waiting for it to come back, until the next firing at ${deadline.toISOString()}`);
    }
    return { retryInMs: Math.max(1, Math.min(RETRY_FIRST_MS * 2 ** Math.min(attempt, 20), RETRY_MAX_MS, deadline.getTime() - now.getTime())), ended: null };
  }

  private async end(job: Job, state: JobState, reason: string): Promise<SystemWait> {
    await this.jobs.finish(job.id, state, reason);
    return { retryInMs: null, ended: { state, reason } };
  }

  /** A retried activity must not say it twice. */
  private async note(job: Job, message: string): Promise<void> {
    if (await this.em.count(JobEvent, { job: job.id, message })) return;
    await this.jobs.recordEvent(job.id, JobEventKind.STEP, message);
  }
}

/** The firing after the run's, in the run's time zone; a schedule that fires no more gives its systems a week. */
function nextFiringAfter(schedule: AssignmentSchedule, run: ClientRun): Date {
  return nextAssignmentFire(schedule, run.firedAt, run.timeZone ?? 'UTC') ?? new Date(run.firedAt.getTime() + LONGEST_WAIT_MS);
}

/** Null when the system answers SSH (it shows its host key, without Steward logging in), else why not. */
export async function unreachableReason(system: Pick<ManagedSystem, 'host' | 'port'>): Promise<string | null> {
  try {
    await scanHostKey(system.host, system.port);
    return null;
  } catch (error) {
    if (error instanceof SshConnectionError) return error.message;
    throw error;
  }
}
