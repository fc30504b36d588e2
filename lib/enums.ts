/**
 * Enumerations shared by the database, the API and the workflows. This module has no imports,
 * so workflow code can use it inside Temporal's deterministic sandbox.
 */

export enum Role {
  SYSTEM_ADMINISTRATOR = 'SYSTEM_ADMINISTRATOR',
  OPERATOR = 'OPERATOR',
  /** A session broker: reports sessions starting and ending on records. */
  SESSION_BROKER = 'SESSION_BROKER',
}

/** Scripts from the built-in library that a task can run. */
export enum ScriptKey {
  PASSWORD_RESET_REMOTE_UNIX = 'PASSWORD_RESET_REMOTE_UNIX',
  PASSWORD_RESET_REMOTE_WINDOWS = 'PASSWORD_RESET_REMOTE_WINDOWS',
  VERIFY_PASSWORD = 'VERIFY_PASSWORD',
  /** A command of the task's own, with named parameters delivered as environment variables. */
  CUSTOM_COMMAND = 'CUSTOM_COMMAND',
}

/** The scripts that give the account a new password. */
export const PASSWORD_RESET_SCRIPTS: readonly ScriptKey[] = [ScriptKey.PASSWORD_RESET_REMOTE_UNIX, ScriptKey.PASSWORD_RESET_REMOTE_WINDOWS];

/** Which record a task's job is scheduled for. */
export enum TargetRecord {
  /** The record itself (the usual choice). */
  ITSELF = 'ITSELF',
  /** The referenced record's task with the same script; the record's own task when there is none. */
  REFERENCED = 'REFERENCED',
  /** The shadow record's task with the same script; the record's own task when there is none. */
  SHADOW = 'SHADOW',
}

/** What makes a task run. */
export enum PolicyEvent {
  /** Listed in the record's executable tasks; a person runs it. */
  ON_DEMAND = 'ON_DEMAND',
  /** After the record is created or updated. */
  AFTER_RECORD_CHANGE = 'AFTER_RECORD_CHANGE',
  /** After an access request on the record is approved. */
  AFTER_APPROVAL = 'AFTER_APPROVAL',
  /** After an approved access expires without a check-in. */
  AFTER_EXPIRE = 'AFTER_EXPIRE',
  /** After the record is checked in. */
  AFTER_CHECK_IN = 'AFTER_CHECK_IN',
  /** After a session on the record ends; with `deferUntilSessionsEnd`, only once the last one has. */
  AFTER_SESSION = 'AFTER_SESSION',
  /** `minutesAfterUnlock` minutes after the secured field is unlocked. */
  AFTER_UNLOCK = 'AFTER_UNLOCK',
  /** On `dayOfMonth` every month (the last day in shorter months). */
  EVERY_DAY_OF_MONTH = 'EVERY_DAY_OF_MONTH',
  /** On each of `weekdays`. */
  EVERY_WEEKDAY = 'EVERY_WEEKDAY',
  /** Every `intervalDays` days from `anchorDate`. */
  EVERY_N_DAYS = 'EVERY_N_DAYS',
  /** On a random day `minDays` to `maxDays` days after the previous run. */
  EVERY_X_TO_Y_DAYS = 'EVERY_X_TO_Y_DAYS',
}

/** The policy events that recur on a calendar, at the task's time of day in the record's time zone. */
export const RECURRING_EVENTS: readonly PolicyEvent[] = [
  PolicyEvent.EVERY_DAY_OF_MONTH,
  PolicyEvent.EVERY_WEEKDAY,
  PolicyEvent.EVERY_N_DAYS,
  PolicyEvent.EVERY_X_TO_Y_DAYS,
];

/** Days of the week, as the occurrence rules name them. */
export enum Weekday {
  SUNDAY = 'SUNDAY',
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
}

/** What a grant lets its user or group do with a record (or every record of a type). */
export enum RecordPermission {
  /** See the record's non-secret fields, its tasks, its Job History with output, and its access requests. */
  VIEW = 'VIEW',
  /** Reveal the secured field (unlockRecord); audited, and fires the record's After Unlock tasks. */
  UNLOCK = 'UNLOCK',
  /** Change or delete the record. */
  EDIT = 'EDIT',
  /** Run the record's On Demand tasks. */
  EXECUTE = 'EXECUTE',
  /** Edit the record's own tasks (Make Unique, Reset, add, edit, remove) and, for a shadow account, its allowed hosts. */
  TASK_CONTROL_MANAGE = 'TASK_CONTROL_MANAGE',
}

/** Where an applicable task of a record is defined. */
export enum TaskSource {
  RECORD_TYPE = 'RECORD_TYPE',
  RECORD = 'RECORD',
}

export enum JobState {
  SCHEDULED = 'SCHEDULED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  ERROR = 'ERROR',
  CANCELLED = 'CANCELLED',
  /** A client task job for a system whose OS the task type does not support; it never runs. */
  INCOMPATIBLE = 'INCOMPATIBLE',
}

export enum JobType {
  SCHEDULED = 'SCHEDULED',
  EVENT = 'EVENT',
  ON_DEMAND = 'ON_DEMAND',
  MANUAL_RUN = 'MANUAL_RUN',
  FALLBACK = 'FALLBACK',
  /** A run of a server task (Share Client Tasks); it acts on neither a record nor a system. */
  SERVER_TASK = 'SERVER_TASK',
}

/** The server tasks: work of the server itself, run by a Temporal Schedule. */
export enum ServerTaskKind {
  SHARE_CLIENT_TASKS = 'SHARE_CLIENT_TASKS',
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

export const FINAL_JOB_STATES: readonly JobState[] = [JobState.COMPLETED, JobState.ERROR, JobState.CANCELLED, JobState.INCOMPATIBLE];

export enum AccessRequestState {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  DENIED = 'DENIED',
  CHECKED_OUT = 'CHECKED_OUT',
  CHECKED_IN = 'CHECKED_IN',
  EXPIRED = 'EXPIRED',
}

/** How often a client task assignment runs. */
export enum ScheduleKind {
  ONCE = 'ONCE',
  DAILY = 'DAILY',
  WEEKLY = 'WEEKLY',
  MONTHLY = 'MONTHLY',
  IMMEDIATELY = 'IMMEDIATELY',
}

/** UTC runs everywhere at the same instant; LOCAL runs at each system's own wall-clock time. */
export enum TimeBasis {
  UTC = 'UTC',
  LOCAL = 'LOCAL',
}

/** What started a client task run. */
export enum ClientRunTrigger {
  /** Run Client Task Now on selected systems. */
  RUN_NOW = 'RUN_NOW',
  /** A firing of a scheduled assignment. */
  SCHEDULE = 'SCHEDULE',
}

/** A node of the system tree. */
export enum TreeNodeKind {
  GROUP = 'GROUP',
  SYSTEM = 'SYSTEM',
}

/** What an import does with a client task whose type already has one of that name. */
export enum ClientTaskConflictPolicy {
  /** Leave the existing one as it is. */
  SKIP = 'SKIP',
  /** Import under the first free name "<name> (2)", "<name> (3)", … */
  RENAME = 'RENAME',
  /** Give the existing one the imported settings; it keeps its id, name, enabled state and assignments. */
  REPLACE = 'REPLACE',
}

/** What an import did, or in a dry run would do, with one client task of the document. */
export enum ClientTaskImportAction {
  CREATED = 'CREATED',
  SKIPPED = 'SKIPPED',
  RENAMED = 'RENAMED',
  REPLACED = 'REPLACED',
}

/** What an import found of a client task document's signature; a signature that fails to verify is refused outright. */
export enum DocumentSignatureStatus {
  /** Signed by a registered, enabled server, and the signature verifies with its key. */
  VERIFIED = 'VERIFIED',
  UNSIGNED = 'UNSIGNED',
  /** Signed, but by a server not registered here (or disabled), so the signature cannot be checked. */
  UNKNOWN_SIGNER = 'UNKNOWN_SIGNER',
}

/** Which stream of a job's command a line of output came from. */
export enum OutputStream {
  STDOUT = 'STDOUT',
  STDERR = 'STDERR',
}
