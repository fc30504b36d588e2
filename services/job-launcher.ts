import type { Job, Task, VaultRecord } from '../db/entities';

/** The durable engine's view of a job's workflow. */
export type WorkflowStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'TIMED_OUT' | 'CONTINUED_AS_NEW' | 'NOT_FOUND';

/** Hands jobs to the durable engine. The Temporal implementation lives in temporal/. */
export interface JobLauncher {
  /** Starts the job's workflow; returns the task queue it was sent to. */
  launch(job: Job, record: VaultRecord, task: Task): Promise<string>;
  /** Tells a waiting job to stop waiting for its time and run. */
  runNow(job: Job): Promise<void>;
  /** Asks the job's workflow to stop. */
  cancel(job: Job): Promise<void>;
  status(job: Job): Promise<WorkflowStatus>;
  /** The status of any Steward workflow, by its ID. */
  workflowStatus(workflowId: string): Promise<WorkflowStatus>;
  /** Wakes a job that waits for sessions to end, so it counts them again. */
  notifySessionsChanged(job: Job): Promise<void>;
}
