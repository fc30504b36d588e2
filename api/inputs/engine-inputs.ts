import { IsDate, IsOptional, IsUUID, Length, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { IdempotentInput } from './idempotent-input';

@InputType({ description: 'A job to act on.' })
export class JobActionInput extends IdempotentInput {
  @Field(() => ID, { description: 'The job to run or cancel.' })
  @IsUUID()
  jobId!: string;
}

@InputType({ description: 'Schedules one extra run of a record’s task at a chosen time.' })
export class ScheduleTaskRunInput {
  @Field(() => ID, { description: 'The record to run the task for.' })
  @IsUUID()
  recordId!: string;

  @Field(() => ID, { description: 'The task (of the record or its record type) to run.' })
  @IsUUID()
  taskId!: string;

  @Field(() => Date, { description: 'When the job is due; within the next year.' })
  @IsDate()
  runAt!: Date;
}

@InputType({ description: 'Registers a worker node: a place jobs can run, with its own task queue.' })
export class RegisterNodeInput {
  @Field(() => String, { description: 'Lowercase letters, digits and "-"; its workers serve the task queue steward.<name>.' })
  @Length(1, 63)
  name!: string;

  @Field(() => String, { nullable: true, description: 'What or where the node is; null for none.' })
  @IsOptional()
  @Length(0, 500)
  description?: string;
}

@InputType({ description: 'The new fallback settings.' })
export class UpdateFallbackSettingsInput {
  @Field(() => Boolean, { description: 'Whether a job that ends in Error is re-run as Fallback jobs.' })
  enabled!: boolean;

  @Field(() => Int, { description: 'Seconds between a failure and its Fallback job (1 s to 30 days).' })
  @Min(1)
  @Max(30 * 86_400)
  frequencySeconds!: number;

  @Field(() => Int, { description: 'Fallback jobs at most per failure (1–100).' })
  @Min(1)
  @Max(100)
  cycles!: number;

  @Field(() => Int, { description: 'The version you read; if someone changed the settings since, CONFLICT.' })
  version!: number;
}
