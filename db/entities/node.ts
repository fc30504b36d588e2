import { Entity, type Opt, Property, Unique } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';

/** A worker node. A worker started with the node's name serves its task queue, `steward.<name>`. */
@Entity({ tableName: 'nodes' })
@ObjectType({ description: 'A worker node. Tasks bound to it run only on its workers.' })
export class WorkerNode extends BaseEntity {
  @Field(() => String, { description: 'The node’s name, unique; its task queue is steward.<name>, and tasks name it as executionNode.' })
  @Property({ type: 'string', length: 63 })
  @Unique()
  name!: string;

  @Field(() => String, { nullable: true, description: 'What or where the node is; null for none.' })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** Set by the node's workers while they run. */
  @Field(() => Date, { nullable: true, description: 'When a worker of this node last reported itself.' })
  @Property({ type: 'datetime', nullable: true })
  lastSeenAt?: Date | null;

  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
