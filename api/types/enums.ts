import { registerEnumType } from 'type-graphql';
import { TokenKind } from '../../db/entities/api-token';
import { AuditOutcome } from '../../db/entities/audit-event';
import { ClientTaskChangeState } from '../../db/entities/client-task-change';
import { ClientTaskCapability } from '../../db/entities/permission-set';
import { RecordFieldKind } from '../../db/entities/record-type';
import { ClientRunTrigger, AccessRequestState, TargetRecord, JobEventKind, JobState, JobType, PolicyEvent, RecordPermission, Role, ScriptKey, TaskSource, Weekday, ScheduleKind, TimeBasis, TreeNodeKind, ClientTaskConflictPolicy, ClientTaskImportAction, ServerTaskKind, DocumentSignatureStatus, OutputStream } from '../../lib/enums';

registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do across Steward.',
  valuesConfig: {
    SYSTEM_ADMINISTRATOR: { description: 'Manages everything: users, record types, settings, nodes, peers and webhooks, and every record.' },
    OPERATOR: { description: 'Works with records, jobs and client tasks as far as their grants and permission sets allow.' },
    SESSION_BROKER: { description: 'A session broker’s account: reports sessions starting and ending on records (startSession, endSession).' },
  },
});
registerEnumType(ScriptKey, {
  name: 'ScriptKey',
  description: 'A script from the built-in library.',
  valuesConfig: {
    PASSWORD_RESET_REMOTE_UNIX: { description: 'Sets a new password for the record’s account on a Unix host over SSH.' },
    PASSWORD_RESET_REMOTE_WINDOWS: { description: 'Sets a new password for the record’s account on a Windows host over SSH.' },
    VERIFY_PASSWORD: { description: 'Checks that the record’s current password still logs in to its host; changes nothing.' },
    CUSTOM_COMMAND: { description: 'A command of the task’s own (scriptParameters.command), its named parameters delivered as environment variables.' },
  },
});
registerEnumType(PolicyEvent, {
  name: 'PolicyEvent',
  description: 'What makes a task run.',
  valuesConfig: {
    ON_DEMAND: { description: 'Listed in the record’s executable tasks; a person runs it (runOnDemandTask).' },
    AFTER_RECORD_CHANGE: { description: 'After the record is created or updated.' },
    AFTER_APPROVAL: { description: 'After an access request on the record is approved.' },
    AFTER_EXPIRE: { description: 'After an approved access expires without a check-in.' },
    AFTER_CHECK_IN: { description: 'After the record is checked in.' },
    AFTER_SESSION: { description: 'After a session on the record ends; with deferUntilSessionsEnd, only once the last one has.' },
    AFTER_UNLOCK: { description: 'schedule.minutesAfterUnlock minutes after the secured field is unlocked.' },
    EVERY_DAY_OF_MONTH: { description: 'On schedule.dayOfMonth every month (the last day in shorter months), at the task’s time of day in the record’s time zone.' },
    EVERY_WEEKDAY: { description: 'On each of schedule.weekdays, at the task’s time of day in the record’s time zone.' },
    EVERY_N_DAYS: { description: 'Every schedule.intervalDays days from schedule.anchorDate, at the task’s time of day in the record’s time zone.' },
    EVERY_X_TO_Y_DAYS: { description: 'On a random day schedule.minDays to schedule.maxDays days after the previous run.' },
  },
});
registerEnumType(JobState, {
  name: 'JobState',
  description: 'Scheduled → Running → Completed | Error | Cancelled; Incompatible for a client task the system’s OS does not support.',
  valuesConfig: {
    SCHEDULED: { description: 'Waiting to start: for its due time, its time window, open sessions or the account lock.' },
    RUNNING: { description: 'Its workflow is working on the host.' },
    COMPLETED: { description: 'Finished successfully. Final.' },
    ERROR: { description: 'Failed; result says why. Final (a Fallback job may follow).' },
    CANCELLED: { description: 'Cancelled before or while it ran. Final.' },
    INCOMPATIBLE: { description: 'A client task job for a system whose OS the task type does not support; it never runs. Final.' },
  },
});
registerEnumType(ClientRunTrigger, {
  name: 'ClientRunTrigger',
  description: 'What started a client task run.',
  valuesConfig: {
    RUN_NOW: { description: 'Run Client Task Now on selected systems (runClientTaskNow).' },
    SCHEDULE: { description: 'A firing of a scheduled client task assignment.' },
  },
});
registerEnumType(JobType, {
  name: 'JobType',
  description: 'Why a job exists.',
  valuesConfig: {
    SCHEDULED: { description: 'An occurrence of a recurring task (EVERY_* policy events).' },
    EVENT: { description: 'Started by a policy event on the record, such as AFTER_CHECK_IN or AFTER_RECORD_CHANGE.' },
    ON_DEMAND: { description: 'Started by a person with runOnDemandTask.' },
    MANUAL_RUN: { description: 'A Scheduled job a person started early with runJob.' },
    FALLBACK: { description: 'A re-run of a job that ended in Error, made by the fallback settings (frequency and cycles).' },
    SERVER_TASK: { description: 'A run of a server task (Share Client Tasks); it acts on neither a record nor a system.' },
  },
});
registerEnumType(ServerTaskKind, {
  name: 'ServerTaskKind',
  description: 'Work of the server itself, run by a Temporal Schedule.',
  valuesConfig: {
    SHARE_CLIENT_TASKS: { description: 'Sends this server’s shared client tasks, as signed bundles, to every enabled registered peer.' },
  },
});
registerEnumType(JobEventKind, {
  name: 'JobEventKind',
  description: 'A kind of entry in a job timeline.',
  valuesConfig: {
    SCHEDULED: { description: 'The job was created and waits for its due time.' },
    QUEUED: { description: 'The job was sent to a node’s task queue, or a person ran it now.' },
    STARTED: { description: 'The job’s workflow began working on the host.' },
    STEP: { description: 'Progress: a step of the job, or why it waits.' },
    RETRIED: { description: 'A failed attempt is being tried again.' },
    COMPLETED: { description: 'The job finished successfully.' },
    FAILED: { description: 'The job ended in Error; the message says why.' },
    CANCELLED: { description: 'The job was cancelled, or its cancellation was requested.' },
  },
});
registerEnumType(OutputStream, {
  name: 'OutputStream',
  description: 'Which stream of a job’s command a line of output came from.',
  valuesConfig: {
    STDOUT: { description: 'The command’s standard output.' },
    STDERR: { description: 'The command’s standard error.' },
  },
});
registerEnumType(TokenKind, {
  name: 'TokenKind',
  description: 'A login session or an API token.',
  valuesConfig: {
    SESSION: { description: 'Issued by login; ended by logout.' },
    API: { description: 'Created by a user (createApiToken) for scripts and integrations.' },
  },
});
registerEnumType(AuditOutcome, {
  name: 'AuditOutcome',
  description: 'How an audited action ended.',
  valuesConfig: {
    SUCCESS: { description: 'The action was done.' },
    FAILURE: { description: 'The action was tried and failed, such as a wrong password or an unreachable host.' },
    REFUSED: { description: 'Refused: not signed in, not allowed, or throttled.' },
    INVALID: { description: 'Refused because its input was invalid.' },
    CONFLICT: { description: 'Refused because it conflicts with the current state, such as a stale version or a job that already ended.' },
    NOT_FOUND: { description: 'Refused because the object it named does not exist (or is not visible to the caller).' },
  },
});
registerEnumType(Weekday, {
  name: 'Weekday',
  description: 'A day of the week, as schedules name them.',
  valuesConfig: {
    SUNDAY: { description: 'Sunday.' },
    MONDAY: { description: 'Monday.' },
    TUESDAY: { description: 'Tuesday.' },
    WEDNESDAY: { description: 'Wednesday.' },
    THURSDAY: { description: 'Thursday.' },
    FRIDAY: { description: 'Friday.' },
    SATURDAY: { description: 'Saturday.' },
  },
});
registerEnumType(AccessRequestState, {
  name: 'AccessRequestState',
  description: 'Where an access request stands: PENDING → APPROVED | DENIED; APPROVED → CHECKED_OUT → CHECKED_IN, or EXPIRED when its time runs out.',
  valuesConfig: {
    PENDING: { description: 'Waiting for an approver to approve or deny it.' },
    APPROVED: { description: 'Approved for durationMinutes; the requester may check the record out until expiresAt.' },
    DENIED: { description: 'Denied by an approver. Final.' },
    CHECKED_OUT: { description: 'The requester checked the record out and holds its access until check-in or expiresAt.' },
    CHECKED_IN: { description: 'The requester checked the record back in. Final.' },
    EXPIRED: { description: 'The approved access ran out (expiresAt passed) without a check-in. Final.' },
  },
});
registerEnumType(TargetRecord, {
  name: 'TargetRecord',
  description: 'Which record a task’s jobs are scheduled for.',
  valuesConfig: {
    ITSELF: { description: 'The record itself (the usual choice).' },
    REFERENCED: { description: 'The referenced record’s task with the same script; the record’s own task when there is none.' },
    SHADOW: { description: 'The shadow record’s task with the same script; the record’s own task when there is none.' },
  },
});
registerEnumType(RecordPermission, {
  name: 'RecordPermission',
  description: 'What a grant lets a user or user group do with a record, or with every record of a record type; each implies VIEW, and EDIT implies UNLOCK.',
  valuesConfig: {
    VIEW: { description: 'See the record’s non-secret fields, its tasks, its Job History with output, and its access requests.' },
    UNLOCK: { description: 'Reveal the secured field (unlockRecord); audited, and fires the record’s After Unlock tasks.' },
    EDIT: { description: 'Change or delete the record.' },
    EXECUTE: { description: 'Run the record’s On Demand tasks.' },
    TASK_CONTROL_MANAGE: { description: 'Edit the record’s own tasks (make unique, reset, add, edit, remove) and, for a shadow account, its allowed hosts.' },
  },
});
registerEnumType(TaskSource, {
  name: 'TaskSource',
  description: 'Where an applicable task of a record is defined.',
  valuesConfig: {
    RECORD_TYPE: { description: 'Inherited from the record’s record type.' },
    RECORD: { description: 'The record’s own task, after makeRecordTasksUnique or addRecordTask.' },
  },
});
registerEnumType(ScheduleKind, {
  name: 'ScheduleKind',
  description: 'How often a client task assignment runs.',
  valuesConfig: {
    ONCE: { description: 'Once, at startAt.' },
    DAILY: { description: 'Every day, or every everyNDays days, at startAt’s time of day, from startAt until endDate (if any).' },
    WEEKLY: { description: 'On each of weekdays at startAt’s time of day, from startAt until endDate (if any).' },
    MONTHLY: { description: 'Once a month, on dayOfMonth or on nthWeekday, at startAt’s time of day, from startAt until endDate (if any).' },
    IMMEDIATELY: { description: 'Once, as soon as it is assigned (or its schedule is edited); startAt is null.' },
  },
});
registerEnumType(TimeBasis, {
  name: 'TimeBasis',
  description: 'UTC runs everywhere at the same instant; LOCAL runs at each system’s own wall-clock time.',
  valuesConfig: {
    UTC: { description: 'Times are UTC: every system runs at the same instant.' },
    LOCAL: { description: 'Times are each system’s own wall-clock time, in its time zone.' },
  },
});
registerEnumType(TreeNodeKind, {
  name: 'TreeNodeKind',
  description: 'A group or a system of the system tree.',
  valuesConfig: {
    GROUP: { description: 'A system group.' },
    SYSTEM: { description: 'A managed system.' },
  },
});
registerEnumType(ClientTaskConflictPolicy, {
  name: 'ClientTaskConflictPolicy',
  description: 'What an import does with a client task whose type already has one of that name.',
  valuesConfig: {
    SKIP: { description: 'Leave the existing one as it is.' },
    RENAME: { description: 'Import under the first free name "<name> (2)", "<name> (3)", …' },
    REPLACE: { description: 'Give the existing one the imported settings; it keeps its ID, name, enabled state and assignments.' },
  },
});
registerEnumType(ClientTaskImportAction, {
  name: 'ClientTaskImportAction',
  description: 'What an import did, or in a dry run would do, with one client task of the document.',
  valuesConfig: {
    CREATED: { description: 'Created as a new client task under its own name.' },
    SKIPPED: { description: 'Not imported: one of that name exists and the policy was SKIP.' },
    RENAMED: { description: 'Created under a new name, because one of that name exists and the policy was RENAME.' },
    REPLACED: { description: 'The existing one of that name took the imported settings (policy REPLACE).' },
  },
});
registerEnumType(ClientTaskCapability, {
  name: 'ClientTaskCapability',
  description: 'What a permission set allows with a product’s client tasks.',
  valuesConfig: {
    VIEW: { description: 'See the product’s client tasks, their assignments and their changes.' },
    EDIT: { description: 'Create, edit, duplicate, enable and disable them, and assign them on the system tree.' },
    APPROVE: { description: 'Approve or reject changes that others proposed.' },
  },
});
registerEnumType(ClientTaskChangeState, {
  name: 'ClientTaskChangeState',
  description: 'A proposed client task change: PENDING until approved or rejected.',
  valuesConfig: {
    PENDING: { description: 'Proposed and waiting for a decision; the client task is unchanged until then.' },
    APPROVED: { description: 'Approved and applied to the client task. Final.' },
    REJECTED: { description: 'Rejected (or withdrawn); the client task kept its settings. Final.' },
  },
});
registerEnumType(DocumentSignatureStatus, {
  name: 'DocumentSignatureStatus',
  description: 'What an import found of a client task document’s signature.',
  valuesConfig: {
    VERIFIED: { description: 'Signed by a registered, enabled server, and the signature verifies with its key.' },
    UNSIGNED: { description: 'The document carries no signature; imported only while unverified documents are accepted.' },
    UNKNOWN_SIGNER: { description: 'Signed, but by a server not registered here (or disabled), so the signature cannot be checked.' },
  },
});
registerEnumType(RecordFieldKind, {
  name: 'RecordFieldKind',
  description: 'What a record type field holds: free text, or one of its allowed values.',
  valuesConfig: {
    STRING: { description: 'Free text.' },
    ENUM: { description: 'One of the field’s allowed values.' },
  },
});
