import type { EntityManager } from '@mikro-orm/postgresql';
import { ClientRun, FINAL_JOB_STATES, Job, JobState } from '../../db/entities';
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

/** Brings Job History in line with Temporal for jobs whose workflows ended without telling Steward. */
export class JobReconciler {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
    private readonly clientRuns: ClientRunService,
    private readonly launcher: JobLauncher,
  ) {}

  /** Returns how many jobs changed state. Jobs younger than `graceMs` are left alone: their workflow may be starting. */
  async reconcileOpenJobs(graceMs = 10_000): Promise<number> {
    const open = await this.em.find(Job, {
      state: { $nin: [...FINAL_JOB_STATES] },
      createdAt: { $lt: new Date(Date.now() - graceMs) },
      // A client task job waiting in its run has no workflow until the run starts it.
      $or: [{ run: null }, { launchedAt: { $ne: null } }],
    });
    let changed = 0;
    for (const job of open) {
      const ending = FINAL_STATE_FOR[await this.launcher.status(job)];
      if (!ending) continue;
      await this.jobs.finish(job.id, ending.state, ending.result);
      changed++;
    }
    return changed + (await this.reconcileAbandonedRuns(graceMs));
  }

  /** Jobs still waiting in a run whose workflow ended (terminated in Temporal, say) will never start: cancel them. */
  private async reconcileAbandonedRuns(graceMs: number): Promise<number> {
    const waiting: { run_id: string }[] = await this.em
      .getConnection()
      .execute(`select distinct "run_id" from "jobs" where "run_id" is not null and "state" = 'SCHEDULED' and "launched_at" is null`);
    const runs = await this.em.find(ClientRun, { id: { $in: waiting.map((row) => row.run_id) }, createdAt: { $lt: new Date(Date.now() - graceMs) } });
    let changed = 0;
    for (const run of runs) {
      const status = await this.launcher.workflowStatus(run.workflowId);
      if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') continue;
      changed += await this.clientRuns.cancelWaitingJobs(run.id, `Its run's workflow ended (${status.toLowerCase().replace('_', ' ')}) before starting it`);
    }
    return changed;
  }
}
