import { Field, ID, ObjectType } from 'type-graphql';
import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { OutputStream } from '../../lib/enums';
import { Job } from './job';

/**
 * A line a job's command printed, kept as it arrives so subscribers follow a running job and a
 * late one gets the lines so far (db/migrations/Migration20261201180500_live_updates.ts). The
 * job's final output stays in `Job.output`.
 */
@Entity({ tableName: 'job_output_lines' })
@Index({ properties: ['job', 'id'] })
@ObjectType({ description: 'One line of a running job’s stdout or stderr, secrets redacted.' })
export class JobOutputLine {
  /** Serial: the order lines arrived in, across both streams. */
  @Field(() => ID, { description: 'Increases with every line, across both streams, in the order they arrived.' })
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Job, { ref: true, deleteRule: 'cascade' })
  job!: Ref<Job>;

  @Field(() => OutputStream, { description: 'Which stream the line came from.' })
  @Enum({ items: () => OutputStream })
  stream!: OutputStream;

  @Field(() => String, { description: 'The line without its line break; secrets are replaced by [REDACTED].' })
  @Property({ type: 'text' })
  text!: string;

  @Field(() => Date, { description: 'When Steward received the line.' })
  @Property({ type: 'datetime' })
  at: Opt<Date> = new Date();
}
