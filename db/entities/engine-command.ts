import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/** What the durable engine must be told; each kind names the subject it carries. */
export enum EngineCommandKind {
  START_JOB = 'START_JOB',
  RUN_JOB_NOW = 'RUN_JOB_NOW',
  CANCEL_JOB = 'CANCEL_JOB',
  SESSIONS_CHANGED = 'SESSIONS_CHANGED',
  START_ACCESS_REQUEST = 'START_ACCESS_REQUEST',
  ACCESS_APPROVED = 'ACCESS_APPROVED',
  ACCESS_DENIED = 'ACCESS_DENIED',
  ACCESS_CHECKED_IN = 'ACCESS_CHECKED_IN',
  START_CLIENT_RUN = 'START_CLIENT_RUN',
  CANCEL_CLIENT_RUN = 'CANCEL_CLIENT_RUN',
  ASSIGNMENT_SCHEDULE_CHANGED = 'ASSIGNMENT_SCHEDULE_CHANGED',
  STOP_ASSIGNMENT_SCHEDULE = 'STOP_ASSIGNMENT_SCHEDULE',
  START_WEBHOOK_DELIVERY = 'START_WEBHOOK_DELIVERY',
}

/**
 * The outbox: a workflow start, signal or cancel written in the same transaction as the change
 * that calls for it, and delivered to Temporal afterwards, with retries, in order per workflow.
 * Its subject has no foreign key, so a cancel outlives the job it cancels.
 */
@Entity({ tableName: 'engine_outbox' })
@Index({ name: 'engine_outbox_pending_index', expression: 'create index "engine_outbox_pending_index" on "engine_outbox" ("next_attempt_at", "id") where "delivered_at" is null' })
@Index({ name: 'engine_outbox_pending_workflow_index', expression: 'create index "engine_outbox_pending_workflow_index" on "engine_outbox" ("workflow_id", "id") where "delivered_at" is null' })
export class EngineCommand {
  /** Serial: commands of one workflow are delivered in this order. */
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Enum({ items: () => EngineCommandKind })
  kind!: EngineCommandKind;

  @Property({ type: 'string', length: 160 })
  workflowId!: string;

  /** The job, access request, client run, assignment or webhook delivery the command is about. */
  @Property({ type: 'uuid' })
  subjectId!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  /**
   * When it may first be delivered: at once, or for a job's start shortly before the job is due
   * (the due-time dispatcher). Written by the database (its clock, the one `deliverSoon` compares
   * with) unless a later time is given.
   */
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  dueAt!: Opt<Date>;

  @Property({ type: 'integer', default: 0 })
  attempts: Opt<number> = 0;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  nextAttemptAt: Opt<Date> = new Date();

  /** While a process delivers it: others leave it alone until then, and take it over after. */
  @Property({ type: 'datetime', nullable: true })
  claimedUntil?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  deliveredAt?: Date | null;

  /** Why the last attempt failed, for operators; never a secret (IDs and Temporal's error text). */
  @Property({ type: 'text', nullable: true })
  lastError?: string | null;
}
