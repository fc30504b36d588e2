import { IsOptional, Max, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { MAX_SHARE_INTERVAL_SECONDS, MIN_SHARE_INTERVAL_SECONDS } from '../../services/federation/share-sync-schedule';

@InputType({ description: 'What to change on the Share Client Tasks schedule; what is left out stays as it is.' })
export class UpdateShareClientTasksScheduleInput {
  @Field(() => Int, { nullable: true, description: `Seconds between runs, ${MIN_SHARE_INTERVAL_SECONDS} to ${MAX_SHARE_INTERVAL_SECONDS}.` })
  @IsOptional()
  @Min(MIN_SHARE_INTERVAL_SECONDS)
  @Max(MAX_SHARE_INTERVAL_SECONDS)
  intervalSeconds?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'true pauses the schedule, false resumes it. Run Now works while paused.' })
  @IsOptional()
  paused?: boolean | null;
}
