import type { EntityManager } from '@mikro-orm/postgresql';
import { ClientRun, FINAL_JOB_STATES, JobState } from '../../db/entities';
import type { ClientRunService } from '../client-tasks/runs/client-run-service';
import type { JobLauncher, WorkflowStatus } from '../ports';
import type { JobService } from './job-service';

/** How a closed workflow whose code could not record the ending (terminated, timed out, lost) ends its job. */
const FINAL_STATE_FOR: Partial<Record<WorkflowStatus, { state: JobState; result: string }>> = {
  TERMINATED: { state: JobState.CANCELLED, result: 'Terminated in Temporal' },
  CANCELLED: { state: JobState.CANCELLED, result: 'Cancelled in Temporal' },
  TIMED_OUT: { state: JobState.ERROR, result: 'Timed out in Temporal' },
  FAILED: { state: JobState.ERROR, result: 'Failed in Temporal' },
  COMPLETED: { state: JobState.COMPLETED, result: 'Completed' },
  NOT_FOUND: { state: JobState.ERROR, result: 'Its workflow no longer exists in Temporal' },
};

/** Open jobs are read, and asked about in Temporal, this many at a time. */
const BATCH_SIZE = 1_000;

/** How far a pass has got; the reconciliation activity heartbeats it after each batch. */
export interface ReconcileProgress {
  checked: number;
  changed: number;
}

interface OpenJobRow {
  id: string;
  workflow_id: string;
}

/**
 * Open jobs in id order after a given id. A client task job still waiting in its run has no
 * workflow until the run starts it, and neither has a job whose start still waits in the engine
 * outbox (Temporal was away, or the job is not due yet), so neither is read. The outbox is
 * matched on the workflow ID, which its index of undelivered commands covers.
 */
const OPEN_JOBS_AFTER = `select "id", "workflow_id" from "jobs"
  where "id" > ? and "state" not in (${FINAL_JOB_STATES.map(() => '?').join(', ')}) and "created_at" < ?
    and ("run_id" is null or "launched_at" is not null)
    and not exists (select 1 from "engine_outbox" where "engine_outbox"."workflow_id" = "jobs"."workflow_id" and "engine_outbox"."kind" = 'START_JOB' and "engine_outbox"."delivered_at" is null)
  order by "id" limit ?`;

/** Brings Job History in line with Temporal for jobs whose workflows ended without telling Steward. */
export class JobReconciler {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
    private readonly clientRuns: ClientRunService,
    private readonly launcher: JobLauncher,
  ) {}

  /**
   * Returns how many jobs changed state. Jobs younger than `graceMs` are left alone: their workflow
   * may be starting. Open jobs are read in batches, and Temporal is asked about each batch at once;
   * `onBatch` hears after each one.
   */
  async reconcileOpenJobs(graceMs = 10_000, onBatch: (progress: ReconcileProgress) => void = () => undefined): Promise<number> {
    const createdBefore = new Date(Date.now() - graceMs);
    const progress: ReconcileProgress = { checked: 0, changed: 0 };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch: OpenJobRow[] = await this.em.execute(OPEN_JOBS_AFTER, [after, ...FINAL_JOB_STATES, createdBefore, BATCH_SIZE]);
      if (!batch.length) break;
      const statuses = await this.launcher.workflowStatuses(batch.map((job) => job.workflow_id));
      for (const job of batch) {
        const ending = FINAL_STATE_FOR[statuses.get(job.workflow_id)!];
        if (!ending) continue;
        await this.jobs.finish(job.id, ending.state, ending.result);
        progress.changed++;
      }
      progress.checked += batch.length;
      after = batch[batch.length - 1]!.id;
      // The finished jobs are written; a long pass should not hold them all in memory.
      this.em.clear();
      onBatch(progress);
    }
    return progress.changed + (await this.reconcileAbandonedRuns(graceMs));
  }

  /** Jobs still waiting in a run whose workflow ended (terminated in Temporal, say) will never start: cancel them. */
  private async reconcileAbandonedRuns(graceMs: number): Promise<number> {
    const waiting: { run_id: string }[] = await this.em.execute(
      `select distinct "run_id" from "jobs" where "run_id" is not null and "state" = 'SCHEDULED' and "launched_at" is null`,
    );
    const runs = await this.em.find(ClientRun, { id: { $in: waiting.map((row) => row.run_id) }, createdAt: { $lt: new Date(Date.now() - graceMs) } });
    let changed = 0;
    for (let start = 0; start < runs.length; start += BATCH_SIZE) {
      const batch = runs.slice(start, start + BATCH_SIZE);
      const statuses = await this.launcher.workflowStatuses(batch.map((run) => run.workflowId));
      for (const run of batch) {
        const status = statuses.get(run.workflowId)!;
        if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') continue;
        changed += await this.clientRuns.cancelWaitingJobs(run.id, `Its run's workflow ended (${status.toLowerCase().replace('_', ' ')}) before starting it`);
      }
    }
    return changed;
  }
}
