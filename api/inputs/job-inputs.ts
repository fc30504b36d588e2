import { IsOptional, IsUUID } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { JobState, JobType } from '../../lib/enums';
import { IdempotentInput } from './idempotent-input';

@InputType({ description: 'Runs one of a record’s On Demand tasks now.' })
export class RunOnDemandTaskInput extends IdempotentInput {
  @Field(() => ID, { description: 'The record to run the task for.' })
  @IsUUID()
  recordId!: string;

  @Field(() => ID, { description: 'A task of the record with the On Demand policy event.' })
  @IsUUID()
  taskId!: string;
}

@InputType({ description: 'Every given condition must hold.' })
export class JobFilterInput {
  @Field(() => ID, { nullable: true, description: 'Only jobs of this record.' })
  @IsOptional()
  @IsUUID()
  recordId?: string;

  @Field(() => ID, { nullable: true, description: 'Only jobs of this task.' })
  @IsOptional()
  @IsUUID()
  taskId?: string;

  @Field(() => ID, { nullable: true, description: 'Client task jobs on this system.' })
  @IsOptional()
  @IsUUID()
  systemId?: string;

  @Field(() => ID, { nullable: true, description: 'Jobs of this client task.' })
  @IsOptional()
  @IsUUID()
  clientTaskId?: string;

  @Field(() => ID, { nullable: true, description: 'Jobs of this client task run.' })
  @IsOptional()
  @IsUUID()
  runId?: string;

  @Field(() => [JobState], { nullable: true, description: 'Only jobs in one of these states.' })
  @IsOptional()
  states?: JobState[];

  @Field(() => [JobType], { nullable: true, description: 'Only jobs of one of these types.' })
  @IsOptional()
  types?: JobType[];

  @Field(() => String, { nullable: true, description: 'Only jobs of this worker node (by name, such as "local").' })
  @IsOptional()
  nodeName?: string;

  @Field(() => Date, { nullable: true, description: 'Created at or after this instant.' })
  @IsOptional()
  createdAfter?: Date;

  @Field(() => Date, { nullable: true, description: 'Created before this instant.' })
  @IsOptional()
  createdBefore?: Date;
}
