import type { Job, Task, VaultRecord } from '../db/entities';

/** Hands a job to the durable engine. The Temporal implementation lives in temporal/. */
export interface JobLauncher {
  /** Starts the job's workflow; returns the task queue it was sent to. */
  launch(job: Job, record: VaultRecord, task: Task): Promise<string>;
}
