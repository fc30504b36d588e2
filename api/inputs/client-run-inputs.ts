import { ArrayMaxSize, ArrayMinSize, IsOptional, IsUUID } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { MAX_RUN_NOW_SYSTEMS } from '../../services/client-tasks/runs/client-run-service';
import { IdempotentInput } from './idempotent-input';

@InputType()
export class RunClientTaskNowInput extends IdempotentInput {
  @Field(() => ID)
  @IsUUID()
  clientTaskId!: string;

  @Field(() => [ID], { description: `The systems to run it on now: one job each (at most ${MAX_RUN_NOW_SYSTEMS}).` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_RUN_NOW_SYSTEMS)
  systemIds!: string[];
}

@InputType()
export class CancelClientRunInput {
  @Field(() => ID)
  @IsUUID()
  runId!: string;
}

@InputType()
export class ClientRunFilterInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  clientTaskId?: string;

  @Field(() => ID, { nullable: true, description: 'Firings of this assignment.' })
  @IsOptional()
  @IsUUID()
  assignmentId?: string;
}
