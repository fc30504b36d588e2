import { Field, ObjectType } from 'type-graphql';
import { Entity, Enum, type Opt, Property, Unique } from '@mikro-orm/core';
import { Role } from '../../lib/enums';
import { BaseEntity } from './base';

@Entity({ tableName: 'users' })
@ObjectType({ description: 'A person or integration that signs in to Steward.' })
export class User extends BaseEntity {
  @Field(() => String, { description: 'The name the user logs in with, unique.' })
  @Property({ type: 'string', length: 64 })
  @Unique()
  username!: string;

  /** argon2id hash; never leaves the server. */
  @Property({ type: 'string', hidden: true, lazy: true })
  passwordHash!: string;

  /** Exposed by api/resolvers/user-resolver.ts, only to administrators and the user themself. */
  @Enum({ items: () => Role, array: true, default: [] })
  roles: Opt<Role[]> = [];

  /** Set while an administrator has disabled the user: none of their tokens work and login is refused. */
  @Property({ type: 'datetime', nullable: true })
  disabledAt?: Date | null;

  hasRole(role: Role): boolean {
    return this.roles.includes(role);
  }
}
