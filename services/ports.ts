/**
 * The ports through which services reach the durable engine. Services depend only on these
 * interfaces; temporal/ implements them, and services/index.ts hands them to the services.
 * Starts, signals and cancels are not called by services directly: they write them to the outbox
 * (services/jobs/engine-outbox.ts) in the transaction of the change, and the outbox calls these.
 * Every one of them is idempotent: a start of a started workflow, and a signal or cancel of a
 * workflow that no longer exists, succeed without doing anything.
 */
import type { AccessRequest, ClientRun, Job, Task, VaultRecord } from '../db/entities';
import type { VaultSecrets } from './shared/vault-secrets';

/** The durable engine's view of a job's workflow. */
export type WorkflowStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'TIMED_OUT' | 'CONTINUED_AS_NEW' | 'NOT_FOUND';

/** Hands vault jobs to the durable engine. */
export interface JobLauncher {
  /** Starts the job's workflow; returns the task queue it was sent to. */
  launch(job: Job, record: VaultRecord, task: Task): Promise<string>;
  /** Tells a waiting job to stop waiting for its time and run. */
  runNow(workflowId: string): Promise<void>;
  /** Asks the job's workflow to stop. */
  cancel(workflowId: string): Promise<void>;
  /**
   * The status of each of these Steward workflows (a batch of up to a thousand), from one query of
   * Temporal's visibility store. A workflow visibility does not list is described on its own, so
   * NOT_FOUND is Temporal's word for it, never a lag of visibility behind a start.
   */
  workflowStatuses(workflowIds: readonly string[]): Promise<Map<string, WorkflowStatus>>;
  /** Wakes a job that waits for sessions to end, so it counts them again. */
  notifySessionsChanged(workflowId: string): Promise<void>;
}

/** Hands client task runs and assignment schedules to the durable engine. */
export interface ClientWorkflows {
  /** Starts the run's workflow, which starts its jobs as they fall due. Starting a run twice is harmless. */
  startRun(run: ClientRun): Promise<void>;
  /** Cancels the run's workflow: its running jobs are stopped on their hosts. */
  cancelRun(workflowId: string): Promise<void>;
  /** Starts the assignment's schedule, or tells it that the assignment changed. */
  scheduleChanged(assignmentId: string): Promise<void>;
  /** Stops the schedule of a removed assignment. */
  stopSchedule(assignmentId: string): Promise<void>;
  /** The assignments whose schedules are running now. */
  runningSchedules(): Promise<Set<string>>;
}

/** Starts and signals the workflow that follows an access request through its life. */
export interface AccessWorkflows {
  start(request: AccessRequest): Promise<void>;
  approved(workflowId: string, expiresAt: Date): Promise<void>;
  denied(workflowId: string): Promise<void>;
  checkedIn(workflowId: string): Promise<void>;
}

/** Everything services need from outside the database: the engine's ports and the vault's sealing key. */
export interface ServicePorts {
  launcher: JobLauncher;
  clientWorkflows: ClientWorkflows;
  accessWorkflows: AccessWorkflows;
  secrets: VaultSecrets;
}
