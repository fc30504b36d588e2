import { Field, ID, ObjectType } from 'type-graphql';
import { Entity, Enum, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { JobEventKind } from '../../lib/enums';
import { Job } from './job';

/** A timestamped entry in a job's timeline. */
@Entity({ tableName: 'job_events' })
@ObjectType({ description: 'A timestamped entry in a job timeline.' })
export class JobEvent {
  /** Serial, so events recorded within the same millisecond keep their order. */
  @Field(() => ID, { description: 'The event’s ID, a UUID.' })
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Job, { ref: true, deleteRule: 'cascade' })
  job!: Ref<Job>;

  @Field(() => JobEventKind, { description: 'What kind of entry this is.' })
  @Enum({ items: () => JobEventKind })
  kind!: JobEventKind;

  @Field(() => Date, { description: 'When it happened (ISO 8601, UTC).' })
  @Property({ type: 'datetime' })
  at: Opt<Date> = new Date();

  @Field(() => String, { description: 'What happened, in a sentence, such as "Run now by alice".' })
  @Property({ type: 'text' })
  message!: string;
}
