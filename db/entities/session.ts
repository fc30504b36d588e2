import { Entity, Index, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import { User } from './user';
import { VaultRecord } from './vault-record';

/**
 * A session on a record, as a session broker reports it. Active while `endedAt` is null and it is
 * younger than the server's maximum session length.
 */
@Entity({ tableName: 'sessions' })
@Index({ properties: ['record', 'endedAt'] })
@ObjectType('RecordSession', { description: 'A session on a record, reported by a session broker.' })
export class RecordSession extends BaseEntity {
  @ManyToOne(() => VaultRecord, { ref: true, deleteRule: 'cascade' })
  record!: Ref<VaultRecord>;

  @Field(() => String, { nullable: true, description: 'Who the broker says the session is for.' })
  @Property({ type: 'string', length: 128, nullable: true })
  subject?: string | null;

  @Field(() => Date, { description: 'When the broker reported it started (ISO 8601, UTC).' })
  @Property({ type: 'datetime' })
  startedAt: Opt<Date> = new Date();

  @Field(() => Date, { nullable: true, description: 'When it ended, by endSession or by running out (ISO 8601, UTC); null while active.' })
  @Property({ type: 'datetime', nullable: true })
  endedAt?: Date | null;

  /** The broker (or administrator) that started it; a broker ends only its own sessions. */
  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  startedBy?: Ref<User> | null;
}
