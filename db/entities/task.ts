import { Field, Int, ObjectType } from 'type-graphql';
import { Entity, Enum, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { PolicyEvent, ScriptKey } from '../../lib/enums';
import { BaseEntity } from './base';
import { RecordType } from './record-type';

/** A task defined on a record type; records of the type inherit it. */
@Entity({ tableName: 'tasks' })
@ObjectType({ description: 'A script that runs against records when one of its policy events fires.' })
export class Task extends BaseEntity {
  @ManyToOne(() => RecordType, { ref: true, deleteRule: 'cascade' })
  recordType!: Ref<RecordType>;

  @Field(() => String)
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => ScriptKey)
  @Enum({ items: () => ScriptKey })
  script!: ScriptKey;

  @Field(() => [PolicyEvent])
  @Enum({ items: () => PolicyEvent, array: true })
  policyEvents: PolicyEvent[] = [];

  /** The worker node whose task queue runs this task's jobs. */
  @Field(() => String, { description: 'The worker node that runs its jobs.' })
  @Property({ type: 'string', length: 64, default: 'local' })
  executionNode: Opt<string> = 'local';

  @Field(() => Int)
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
