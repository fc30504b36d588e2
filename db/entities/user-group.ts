import { Collection, Entity, ManyToMany, type Opt, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import { User } from './user';

/** Users that record grants can name together: a grant to the group is a grant to each member. */
@Entity({ tableName: 'user_groups' })
@ObjectType({ description: 'A named set of users; record permissions granted to it hold for every member.' })
export class UserGroup extends BaseEntity {
  @Field(() => String, { description: 'The group’s name, unique.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @ManyToMany(() => User, undefined, { owner: true, pivotTable: 'user_group_members', joinColumn: 'user_group_id', inverseJoinColumn: 'user_id', deleteRule: 'cascade' })
  members = new Collection<User>(this);

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when renaming.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
