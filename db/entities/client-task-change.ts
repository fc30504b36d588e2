import { Entity, Enum, Index, ManyToOne, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import { ClientTask } from './client-catalog';
import { User } from './user';

export enum ClientTaskChangeState {
  PENDING = 'PENDING',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
}

/**
 * A proposed version of a client task object, waiting for an approver. Until it is approved the task
 * keeps (and runs) its approved version; a task has at most one pending change.
 */
@Entity({ tableName: 'client_task_changes' })
@Unique({
  name: 'client_task_changes_one_pending',
  expression: `create unique index "client_task_changes_one_pending" on "client_task_changes" ("client_task_id") where "state" = 'PENDING'`,
})
@ObjectType({ description: 'A proposed version of a client task, awaiting approval or decided. The task keeps its approved version until the change is approved.' })
export class ClientTaskChange extends BaseEntity {
  @Index()
  @ManyToOne(() => ClientTask, { ref: true, deleteRule: 'cascade' })
  clientTask!: Ref<ClientTask>;

  @Field(() => Int, { description: 'The approved revision the change was proposed against; 0 when it creates the task. Approval needs the task still at this revision.' })
  @Property({ type: 'integer' })
  baseRevision!: number;

  @Field(() => String, { description: 'The proposed name.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => GraphQLJSONObject, { description: 'The proposed settings, valid against the task type’s schema when proposed.' })
  @Property({ type: 'json' })
  settings!: Record<string, unknown>;

  @Field(() => Boolean, { description: 'Whether the task is enabled once the change is approved.' })
  @Property({ type: 'boolean' })
  enabled!: boolean;

  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  proposedBy!: Ref<User>;

  @Field(() => ClientTaskChangeState, { description: 'Where the change stands.' })
  @Enum({ items: () => ClientTaskChangeState })
  state: Opt<ClientTaskChangeState> = ClientTaskChangeState.PENDING;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  decidedBy?: Ref<User> | null;

  @Field(() => Date, { nullable: true, description: 'When it was approved or rejected (ISO 8601, UTC); null while PENDING.' })
  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'What the approver (or the author withdrawing it) said about the decision.' })
  @Property({ type: 'text', nullable: true })
  comment?: string | null;
}
