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
import type { NodeCredentials } from './nodes/node-credentials';
import type { ServerIdentitySettings } from './federation/server-identity';
import type { ServerKeySecrets } from './federation/server-key-secrets';
import type { WebhookSecrets } from './webhooks/webhook-secrets';

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

/** Starts the workflow that sends one webhook delivery and retries it with backoff (workflows/webhook-delivery.ts). */
export interface WebhookWorkflows {
  startDelivery(workflowId: string, deliveryId: string): Promise<void>;
}

/** How a server task's Temporal Schedule stands. */
export interface ServerTaskScheduleState {
  intervalSeconds: number;
  paused: boolean;
  /** A run is in progress; Run Now then runs right after it. */
  running: boolean;
  /** Temporal's note: who paused it and why, say. */
  note: string | null;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
}

/**
 * The Share Client Tasks server task's Temporal Schedule, which operators also see in the Temporal
 * UI. Each call makes the schedule first if it does not exist yet.
 */
export interface ShareSchedule {
  describe(): Promise<ServerTaskScheduleState>;
  setInterval(seconds: number): Promise<void>;
  pause(note: string): Promise<void>;
  unpause(note: string): Promise<void>;
  /** Starts a run now, or right after the one in progress. */
  runNow(): Promise<void>;
}

/** Everything services need from outside the database: the engine's ports and the vault's sealing key. */
export interface ServicePorts {
  launcher: JobLauncher;
  clientWorkflows: ClientWorkflows;
  accessWorkflows: AccessWorkflows;
  shareSchedule: ShareSchedule;
  secrets: VaultSecrets;
  /** What remote nodes show the API: job grants for their jobs' runs, and their hellos (services/nodes/node-credentials.ts). */
  nodeCredentials: NodeCredentials;
  /** This server's name and public GraphQL URL, and the sealing of its signing keys (services/federation/). */
  server: { identity: ServerIdentitySettings; keySecrets: ServerKeySecrets };
  /** Webhook deliveries' workflows, and the sealing of webhook secrets (services/webhooks/). */
  webhooks: { workflows: WebhookWorkflows; secrets: WebhookSecrets };
  /** Where job timings go (infra/metrics.ts in the API and the worker); none in processes that keep no metrics. */
  jobMetrics?: JobMetrics;
}

/** What jobs report as they start and end, for the process's metrics. */
export interface JobMetrics {
  /** From when the job was due to its start on a worker. */
  started(type: string, queueWaitSeconds: number): void;
  /** Its final state; the duration from its start, or null when it never started. */
  finished(type: string, state: string, durationSeconds: number | null): void;
}
