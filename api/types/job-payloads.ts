import { Field, Int, ObjectType } from 'type-graphql';
import { Job } from '../../db/entities';

@ObjectType({ description: 'What runOnDemandTask returns.' })
export class RunOnDemandTaskPayload {
  @Field(() => Job, { description: 'The new job, SCHEDULED; follow it with job or jobUpdated.' })
  job!: Job;
}

@ObjectType({ description: 'What the script printed, with every secret redacted.' })
export class JobDetails {
  @Field(() => Int, { nullable: true, description: 'The script’s exit code; null until it exits, or when it never ran.' })
  exitCode!: number | null;

  @Field(() => String, { nullable: true, description: 'What the script printed (stdout and stderr), secrets replaced by [REDACTED]; null when it printed nothing or never ran.' })
  output!: string | null;
}

@ObjectType({ description: 'What a job mutation (runJob, cancelJob, scheduleTaskRun) returns.' })
export class JobPayload {
  @Field(() => Job, { description: 'The job after the change.' })
  job!: Job;
}
