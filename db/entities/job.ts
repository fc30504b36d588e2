import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { Check, Collection, Entity, Enum, Index, ManyToOne, OneToMany, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { JobState, JobType, PolicyEvent } from '../../lib/enums';
import { BaseEntity } from './base';
import { ClientTask } from './client-catalog';
import { ClientRun } from './client-run';
import { JobEvent } from './job-event';
import { LibraryScriptVersion } from './library-script';
import { ManagedSystem } from './system-tree';
import { Task } from './task';
import { User } from './user';
import { VaultRecord } from './vault-record';

/**
 * One run of a vault task against a record, or of a client task on a system. Each job is one
 * Temporal workflow, `job-<id>`.
 */
@Entity({ tableName: 'jobs' })
@Index({ properties: ['createdAt', 'id'] })
// Job History's filters, each ending in its newest-first sort key (db/migrations/Migration20261201140000_job_history_keyset.ts).
@Index({ properties: ['record', 'createdAt', 'id'] })
@Index({ properties: ['system', 'createdAt', 'id'] })
@Index({ properties: ['run', 'createdAt', 'id'] })
@Index({ properties: ['state', 'createdAt', 'id'] })
// A recurrence chain's occurrences (db/migrations/Migration20261201163000_occurrence_chain.ts also keeps one upcoming per chain).
@Index({ properties: ['chainRecord', 'chainTask', 'dueAt'] })
@Check({ name: 'jobs_record_or_system', expression: "num_nonnulls(record_id, system_id) = case when type = 'SERVER_TASK' then 0 else 1 end" })
@ObjectType({ description: 'One run of a vault task against a record, or of a client task on a system: one Temporal workflow.' })
export class Job extends BaseEntity {
  /** Set for vault jobs; client task jobs have `system` instead. */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'cascade' })
  record?: Ref<VaultRecord> | null;

  /** Set for client task jobs. */
  @ManyToOne(() => ManagedSystem, { ref: true, nullable: true, deleteRule: 'cascade' })
  system?: Ref<ManagedSystem> | null;

  @ManyToOne(() => ClientTask, { ref: true, nullable: true, deleteRule: 'set null' })
  @Index()
  clientTask?: Ref<ClientTask> | null;

  @Field(() => Int, { nullable: true, description: 'For client task jobs: the approved revision of the task object the job ran.' })
  @Property({ type: 'integer', nullable: true })
  clientTaskRevision?: number | null;

  /** For client task jobs: the run (Run Now or assignment firing) the job belongs to. */
  @ManyToOne(() => ClientRun, { ref: true, nullable: true, deleteRule: 'cascade' })
  run?: Ref<ClientRun> | null;

  /** For client task jobs: when the run's workflow started the job's own workflow; until then the job waits in the run. */
  @Property({ type: 'datetime', nullable: true })
  launchedAt?: Date | null;

  @ManyToOne(() => Task, { ref: true, nullable: true, deleteRule: 'set null' })
  task?: Ref<Task> | null;

  /**
   * For recurring occurrences: the record and task whose schedule this is. They differ from
   * `record` and `task` when the task's Target Record sends the job to another record.
   */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'set null' })
  chainRecord?: Ref<VaultRecord> | null;

  @ManyToOne(() => Task, { ref: true, nullable: true, deleteRule: 'set null' })
  chainTask?: Ref<Task> | null;

  /** For vault jobs: the library script version the job started with; a later edit of the script does not change it. */
  @ManyToOne(() => LibraryScriptVersion, { ref: true, nullable: true, deleteRule: 'set null' })
  libraryScriptVersion?: Ref<LibraryScriptVersion> | null;

  @Field(() => String, { nullable: true, description: 'For vault jobs: the Script Library script it ran, as named when the job started.' })
  @Property({ type: 'string', length: 128, nullable: true })
  scriptName?: string | null;

  @Field(() => Int, { nullable: true, description: 'For vault jobs: the version of that script it ran (kept while the script is edited).' })
  @Property({ type: 'integer', nullable: true })
  scriptVersion?: number | null;

  /** Kept so history still reads well after the task is removed. */
  @Field(() => String, { description: 'The task’s name when the job was made; kept after the task is renamed or deleted.' })
  @Property({ type: 'string', length: 128 })
  taskName!: string;

  @Field(() => JobType, { description: 'Why the job exists.' })
  @Enum({ items: () => JobType })
  type!: JobType;

  @Field(() => JobState, { description: 'Where the job stands: SCHEDULED, RUNNING, or one of the final states.' })
  @Enum({ items: () => JobState })
  state: Opt<JobState> = JobState.SCHEDULED;

  @Field(() => String, { description: 'The node that runs (or ran) it.' })
  @Property({ type: 'string', length: 64 })
  nodeName!: string;

  @Field(() => String, { description: 'The Temporal workflow ID, job-<id>.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  workflowId!: string;

  @Field(() => Date, { description: 'When the job runs (or ran): its due time, or the next opening of its time window.' })
  @Property({ type: 'datetime' })
  scheduledFor: Opt<Date> = new Date();

  /** For jobs of recurring and delayed events: when the event came due, before the time window. */
  @Field(() => Date, { nullable: true, description: 'When its policy event came due, before any time-window wait.' })
  @Property({ type: 'datetime', nullable: true })
  dueAt?: Date | null;

  @Field(() => PolicyEvent, { nullable: true, description: 'The policy event that made this job, for Scheduled and Event jobs.' })
  @Enum({ items: () => PolicyEvent, nullable: true })
  triggerEvent?: PolicyEvent | null;

  @Field(() => Date, { nullable: true, description: 'When it began running (ISO 8601, UTC); null while SCHEDULED.' })
  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it reached a final state (ISO 8601, UTC); null until then.' })
  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;

  /** One line saying how the job ended. */
  @Field(() => String, { nullable: true, description: 'How it ended, in a sentence (the error for ERROR); null until it ends.' })
  @Property({ type: 'text', nullable: true })
  result?: string | null;

  @Property({ type: 'integer', nullable: true })
  exitCode?: number | null;

  /** For client task jobs: what the endpoint reported, parsed. */
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'For client task jobs: what the endpoint reported.' })
  @Property({ type: 'json', nullable: true })
  report?: Record<string, unknown> | null;

  /** Script output with every secret the job touched redacted. */
  @Property({ type: 'text', nullable: true })
  output?: string | null;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  requestedBy?: Ref<User> | null;

  /** For a Fallback job: the failed job that started its cycle, and which cycle this is (1, 2, …). */
  @ManyToOne(() => Job, { ref: true, nullable: true, deleteRule: 'set null' })
  fallbackOf?: Ref<Job> | null;

  @Field(() => Int, { nullable: true, description: 'For Fallback jobs: which cycle (1 = the first re-run).' })
  @Property({ type: 'integer', nullable: true })
  fallbackCycle?: number | null;

  /** On the job that started a fallback cycle: set when a person's Cancel or Run ended the cycle. */
  @Property({ type: 'datetime', nullable: true })
  fallbackCancelledAt?: Date | null;

  /** The record of a vault job; client task jobs have a system instead. */
  recordId(): string {
    if (!this.record) throw new Error(`Job ${this.id} runs a client task on a system, not a vault task`);
    return this.record.id;
  }

  @OneToMany(() => JobEvent, (event) => event.job, { orderBy: { id: 'asc' } })
  events = new Collection<JobEvent>(this);
}
