import { ArrayMaxSize, ArrayMinSize, IsEnum, IsOptional, IsUUID } from 'class-validator';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { ClientRunRelaunchScope, MAX_RUN_NOW_SYSTEMS } from '../../services/client-tasks/runs/client-run-service';
import { IdempotentInput } from './idempotent-input';

@InputType({ description: 'Runs a client task at once on chosen systems, outside any schedule.' })
export class RunClientTaskNowInput extends IdempotentInput {
  @Field(() => ID, { description: 'The client task to run.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => [ID], { description: `The systems to run it on now: one job each (at most ${MAX_RUN_NOW_SYSTEMS}).` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_RUN_NOW_SYSTEMS)
  systemIds!: string[];
}

registerEnumType(ClientRunRelaunchScope, {
  name: 'ClientRunRelaunchScope',
  description: 'Which systems of an ended run a relaunch runs on again.',
  valuesConfig: {
    FAILED: { description: 'The systems whose jobs ended in Error or were cancelled.' },
  },
});

@InputType({ description: 'Runs an ended client task run again, as a new run, on some of its systems.' })
export class RelaunchClientRunInput extends IdempotentInput {
  @Field(() => ID, { description: 'The ended run to relaunch.' })
  @IsUUID()
  runId!: string;

  @Field(() => ClientRunRelaunchScope, { description: 'Which of the run’s systems to run on again.' })
  @IsEnum(ClientRunRelaunchScope)
  only!: ClientRunRelaunchScope;
}

@InputType({ description: 'Cancels a client task run: its jobs still waiting are cancelled, and its workflow is told to stop the rest.' })
export class CancelClientRunInput {
  @Field(() => ID, { description: 'The client task run to cancel.' })
  @IsUUID()
  runId!: string;
}

@InputType({ description: 'Which client task runs to list; every field narrows the list further.' })
export class ClientRunFilterInput {
  @Field(() => ID, { nullable: true, description: 'Only the runs of this client task.' })
  @IsOptional()
  @IsUUID()
  clientTaskId?: string;

  @Field(() => ID, { nullable: true, description: 'Firings of this assignment.' })
  @IsOptional()
  @IsUUID()
  assignmentId?: string;
}
