import { Field, ObjectType } from 'type-graphql';
import { ClientRun, Job } from '../../db/entities';
import { JobState } from '../../lib/enums';
import { ClientRunCounts } from './client-run-types';

@ObjectType({ description: 'A job was created or moved to another state.' })
export class JobUpdate {
  @Field(() => JobState, { description: 'The state the job moved to. The job itself is read when the event is sent, so it may already be further along.' })
  state!: JobState;

  @Field(() => Date, { description: 'When the change was written, by the database’s clock.' })
  changedAt!: Date;

  @Field(() => Job, { description: 'The job, in its new state.' })
  job!: Job;
}

@ObjectType({ description: 'The counts of a client task run after its jobs changed state.' })
export class ClientRunUpdate {
  @Field(() => ClientRunCounts, { description: 'How many of the run’s jobs are in each state now.' })
  counts!: ClientRunCounts;

  @Field(() => ClientRun, { description: 'The client task run, with its new counts.' })
  run!: ClientRun;
}
