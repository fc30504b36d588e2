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

  @Field(() => String, { description: 'What the token is for, as it was named when created.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => TokenKind, { description: 'A login session or an API token.' })
  @Enum({ items: () => TokenKind })
  kind!: TokenKind;

  @Property({ type: 'string', length: 64, hidden: true })
  @Unique()
  tokenHash!: string;

  /** Every token expires: sessions after the session length, API tokens within the configured maximum. */
  @Field(() => Date, { description: 'When it stops working (ISO 8601, UTC), unless revoked first.' })
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the token last authenticated a request, to within a minute.' })
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date;

  @Field(() => Date, { nullable: true, description: 'When it was revoked, by logout, revokeApiToken or a password change (ISO 8601, UTC); null until then.' })
  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date;
}
