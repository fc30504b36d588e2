import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { type Opt, PrimaryKey, Property } from '@mikro-orm/core';

@ObjectType()
export abstract class BaseEntity {
  @Field(() => ID, { description: 'This object’s ID, a UUID.' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => Date, { description: 'When this object was created: an ISO 8601 date-time in UTC.' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date, { description: 'When this object last changed: an ISO 8601 date-time in UTC; equal to createdAt until the first change.' })
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}
