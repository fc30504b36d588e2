import { Field, Int, ObjectType } from 'type-graphql';
import { Job } from '../../db/entities';

@ObjectType()
export class RunOnDemandTaskPayload {
  @Field(() => Job)
  job!: Job;
}

@ObjectType({ description: 'What the script printed, with every secret redacted.' })
export class JobDetails {
  @Field(() => Int, { nullable: true })
  exitCode!: number | null;

  @Field(() => String, { nullable: true })
  output!: string | null;
}

@ObjectType()
export class JobPayload {
  @Field(() => Job)
  job!: Job;
}
