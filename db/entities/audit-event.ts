import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

export enum AuditOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
}

/**
 * Who did what, when, and with what result. Append-only: a database trigger (see the initial
 * migration) refuses updates and deletes.
 */
@Entity({ tableName: 'audit_events' })
@Index({ properties: ['createdAt', 'id'] })
@ObjectType({ description: 'An entry of the append-only audit log.' })
export class AuditEvent {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  /** A user's name, or `system` for work Steward does on its own. */
  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  actorName!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  @Index()
  action!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 32, nullable: true })
  targetType?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 64, nullable: true })
  targetId?: string | null;

  @Field(() => AuditOutcome)
  @Enum({ items: () => AuditOutcome })
  outcome!: AuditOutcome;

  @Property({ type: 'json', nullable: true })
  details?: Record<string, unknown> | null;
}
