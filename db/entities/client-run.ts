import { Entity, Enum, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { ClientRunTrigger } from '../../lib/enums';
import { BaseEntity } from './base';
import { ClientTaskAssignment } from './client-assignment';
import { ClientTask } from './client-catalog';
import { User } from './user';

/**
 * One Run Client Task Now, or one firing of a scheduled assignment: a job per targeted system.
 * Its workflow, `client-run-<id>`, starts the jobs as they fall due, under a concurrency limit.
 */
@Entity({ tableName: 'client_runs' })
@Index({ properties: ['createdAt', 'id'] })
// One run per firing, so a retried firing never runs twice (a UTC firing has no time zone, hence NULLS NOT DISTINCT).
@Unique({
  name: 'client_runs_one_per_firing',
  expression: 'create unique index "client_runs_one_per_firing" on "client_runs" ("assignment_id", "fired_at", "time_zone") nulls not distinct',
})
@ObjectType({ description: 'One Run Now, or one firing of a scheduled assignment: a job per targeted system.' })
export class ClientRun extends BaseEntity {
  /** Null once the task is deleted; the run and its jobs stay in history. */
  @Index()
  @ManyToOne(() => ClientTask, { ref: true, nullable: true, deleteRule: 'set null' })
  clientTask?: Ref<ClientTask> | null;

  /** Kept so history still reads well after the task is deleted. */
  @Field(() => String, { description: 'The client task’s name when the run started; kept after the task is deleted.' })
  @Property({ type: 'string', length: 128 })
  taskName!: string;

  /** Set for a firing of a scheduled assignment. */
  @ManyToOne(() => ClientTaskAssignment, { ref: true, nullable: true, deleteRule: 'set null' })
  assignment?: Ref<ClientTaskAssignment> | null;

  @Field(() => ClientRunTrigger, { description: 'What started the run: Run Now or a scheduled firing.' })
  @Enum({ items: () => ClientRunTrigger })
  trigger!: ClientRunTrigger;

  @Field(() => Date, { description: 'The fire time: when the run was asked for, or when its assignment came due.' })
  @Property({ type: 'datetime' })
  firedAt!: Date;

  /** For a local-time firing: the time zone whose systems this firing covers. Empty for UTC firings and Run Now. */
  @Field(() => String, { nullable: true, description: 'For a local-time firing, the time zone of the systems it covers.' })
  @Property({ type: 'string', length: 64, nullable: true })
  timeZone?: string | null;

  @Field(() => String, { description: 'The Temporal workflow that starts its jobs, client-run-<id>.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  workflowId!: string;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  requestedBy?: Ref<User> | null;

  @Field(() => Date, { nullable: true, description: 'Set when someone cancelled the whole run.' })
  @Property({ type: 'datetime', nullable: true })
  cancelledAt?: Date | null;

  /** For a relaunch: the run whose failed and cancelled systems this one runs again. */
  @Index()
  @ManyToOne(() => ClientRun, { ref: true, nullable: true, deleteRule: 'set null' })
  relaunchedFrom?: Ref<ClientRun> | null;
}
