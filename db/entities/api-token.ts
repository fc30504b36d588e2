import { Field, ObjectType } from 'type-graphql';
import { Entity, Enum, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { User } from './user';

export enum TokenKind {
  /** Issued by login; ended by logout. */
  SESSION = 'SESSION',
  /** Created by a user for scripts and integrations. */
  API = 'API',
}

/** A bearer token. Only its SHA-256 is stored, so a database leak reveals no usable token. */
@Entity({ tableName: 'api_tokens' })
@ObjectType({ description: 'A bearer token. Its secret is shown once, when it is created.' })
export class ApiToken extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  @Index()
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

  /** Every token expires: sessions after the session length, API tokens within the configured maximum. */
  @Field(() => Date)
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the token last authenticated a request, to within a minute.' })
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date;
}
