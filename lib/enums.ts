/**
 * Enumerations shared by the database, the API and the workflows. This module has no imports,
 * so workflow code can use it inside Temporal's deterministic sandbox.
 */

export enum Role {
  SYSTEM_ADMINISTRATOR = 'SYSTEM_ADMINISTRATOR',
  OPERATOR = 'OPERATOR',
}

/** Scripts from the built-in library that a task can run. */
export enum ScriptKey {
  PASSWORD_RESET_REMOTE_UNIX = 'PASSWORD_RESET_REMOTE_UNIX',
  VERIFY_PASSWORD = 'VERIFY_PASSWORD',
}

/** What makes a task run. */
export enum PolicyEvent {
  ON_DEMAND = 'ON_DEMAND',
}

export enum JobState {
  SCHEDULED = 'SCHEDULED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  ERROR = 'ERROR',
  CANCELLED = 'CANCELLED',
}

export enum JobType {
  SCHEDULED = 'SCHEDULED',
  EVENT = 'EVENT',
  ON_DEMAND = 'ON_DEMAND',
  MANUAL_RUN = 'MANUAL_RUN',
  FALLBACK = 'FALLBACK',
}

export enum JobEventKind {
  SCHEDULED = 'SCHEDULED',
  QUEUED = 'QUEUED',
  STARTED = 'STARTED',
  STEP = 'STEP',
  RETRIED = 'RETRIED',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export const FINAL_JOB_STATES: readonly JobState[] = [JobState.COMPLETED, JobState.ERROR, JobState.CANCELLED];
