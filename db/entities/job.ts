import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { Check, Collection, Entity, Enum, Index, ManyToOne, OneToMany, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { JobState, JobType, PolicyEvent } from '../../lib/enums';
import { BaseEntity } from './base';
import { ClientTask } from './client-catalog';
import { ClientRun } from './client-run';
import { JobEvent } from './job-event';
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
@Check({ name: 'jobs_record_or_system', expression: 'num_nonnulls(record_id, system_id) = 1' })
@ObjectType({ description: 'One run of a vault task against a record, or of a client task on a system: one Temporal workflow.' })
export class Job extends BaseEntity {
  /** Set for vault jobs; client task jobs have `system` instead. */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'cascade' })
  @Index()
  record?: Ref<VaultRecord> | null;

  /** Set for client task jobs. */
  @ManyToOne(() => ManagedSystem, { ref: true, nullable: true, deleteRule: 'cascade' })
  @Index()
  system?: Ref<ManagedSystem> | null;

  @ManyToOne(() => ClientTask, { ref: true, nullable: true, deleteRule: 'set null' })
  @Index()
  clientTask?: Ref<ClientTask> | null;

  @Field(() => Int, { nullable: true, description: 'For client task jobs: the approved revision of the task object the job ran.' })
  @Property({ type: 'integer', nullable: true })
  clientTaskRevision?: number | null;

  /** For client task jobs: the run (Run Now or assignment firing) the job belongs to. */
  @ManyToOne(() => ClientRun, { ref: true, nullable: true, deleteRule: 'cascade' })
  @Index()
  run?: Ref<ClientRun> | null;

  /** For client task jobs: when the run's workflow started the job's own workflow; until then the job waits in the run. */
  @Property({ type: 'datetime', nullable: true })
  launchedAt?: Date | null;

  @ManyToOne(() => Task, { ref: true, nullable: true, deleteRule: 'set null' })
  task?: Ref<Task> | null;

  /** Kept so history still reads well after the task is removed. */
  @Field(() => String)
  @Property({ type: 'string', length: 128 })
  taskName!: string;

  @Field(() => JobType)
  @Enum({ items: () => JobType })
  type!: JobType;

  @Field(() => JobState)
  @Enum({ items: () => JobState })
  @Index()
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

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;

  /** One line saying how the job ended. */
  @Field(() => String, { nullable: true })
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
