import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

export enum AuditOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
  /** Refused: not signed in, not allowed, or throttled. */
  REFUSED = 'REFUSED',
  INVALID = 'INVALID',
  CONFLICT = 'CONFLICT',
  NOT_FOUND = 'NOT_FOUND',
}

/**
 * Who did what, when, and with what result. Append-only: database triggers refuse updates and
 * deletes, and seal each entry into a hash chain when its transaction commits (see the audit
 * chain migration).
 */
@Entity({ tableName: 'audit_events' })
@Index({ properties: ['createdAt', 'id'] })
@Index({ properties: ['action', 'createdAt', 'id'] })
@Index({ properties: ['actorName', 'createdAt', 'id'] })
@Index({ properties: ['targetType', 'createdAt', 'id'] })
@Index({ properties: ['targetId', 'createdAt', 'id'] })
@Index({ properties: ['outcome', 'createdAt', 'id'] })
@ObjectType({ description: 'An entry of the append-only audit log.' })
export class AuditEvent {
  @Field(() => ID, { description: 'The audit entry’s ID, a UUID.' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => Date, { description: 'When it happened: an ISO 8601 date-time in UTC.' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  /** A user's name, or `system` for work Steward does on its own. */
  @Field(() => String, { description: 'Who did it: a username, `system` for Steward’s own work, or `anonymous`.' })
  @Property({ type: 'string', length: 64 })
  actorName!: string;

  @Field(() => String, { description: 'What was done: the mutation or action name, such as createUser or login.' })
  @Property({ type: 'string', length: 64 })
  action!: string;

  @Field(() => String, { nullable: true, description: 'The kind of object acted on, such as Record or User; null when the action had none.' })
  @Property({ type: 'string', length: 32, nullable: true })
  targetType?: string | null;

  @Field(() => String, { nullable: true, description: 'The ID of the object acted on; null when the action had none (such as login).' })
  @Property({ type: 'string', length: 64, nullable: true })
  targetId?: string | null;

  @Field(() => AuditOutcome, { description: 'How the action ended.' })
  @Enum({ items: () => AuditOutcome })
  outcome!: AuditOutcome;

  @Property({ type: 'json', nullable: true })
  details?: Record<string, unknown> | null;

  /** The entry's place in the hash chain; set by the database when its transaction commits. */
  @Field(() => String, { nullable: true, description: 'Position in the hash chain (a 64-bit integer as text).' })
  @Property({ type: new BigIntType('string'), nullable: true })
  sequence?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  previousHash?: string | null;

  @Field(() => String, { nullable: true, description: 'sha256 of this entry and the previous hash, hex.' })
  @Property({ type: 'string', length: 64, nullable: true })
  hash?: string | null;
}
