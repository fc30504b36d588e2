import { Field, Int, ObjectType } from 'type-graphql';
import { Collection, Entity, OneToMany, type Opt, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { Task } from './task';

@Entity({ tableName: 'record_types' })
@ObjectType({ description: 'A kind of vault record, with the tasks its records inherit.' })
export class RecordType extends BaseEntity {
  @Field(() => String)
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string;

  @OneToMany(() => Task, (task) => task.recordType, { orderBy: { createdAt: 'asc' } })
  tasks = new Collection<Task>(this);

  @Field(() => Int, { description: 'Optimistic-lock version.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
