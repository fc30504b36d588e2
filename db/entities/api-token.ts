import { Field, ObjectType } from 'type-graphql';
import { Entity, Enum, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { User } from './user';

export enum TokenKind {
  /** Issued by login; expires. */
  SESSION = 'SESSION',
  /** Created by a user for scripts and integrations. */
  API = 'API',
}

/** A bearer token. Only its SHA-256 is stored, so a database leak reveals no usable token. */
@Entity({ tableName: 'api_tokens' })
@ObjectType({ description: 'A bearer token. Its secret is shown once, when it is created.' })
export class ApiToken extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @Field(() => String)
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => TokenKind)
  @Enum({ items: () => TokenKind })
  kind!: TokenKind;

  @Property({ type: 'string', length: 64, hidden: true })
  @Unique()
  tokenHash!: string;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date;
}
