import { ArrayMinSize, ArrayUnique, IsOptional, IsUUID, Length, Matches, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { PolicyEvent, ScriptKey, TargetRecord, Weekday } from '../../lib/enums';

@InputType({ description: 'Parameters of the recurring policy events a task uses.' })
export class TaskScheduleInput {
  @Field(() => String, { nullable: true, description: "'HH:MM' in the record's time zone; midnight when omitted." })
  @IsOptional()
  @Matches(/^\d{2}:\d{2}$/, { message: "timeOfDay must look like 'HH:MM'" })
  timeOfDay?: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  dayOfMonth?: number;

  @Field(() => [Weekday], { nullable: true })
  @IsOptional()
  weekdays?: Weekday[];

  @Field(() => Int, { nullable: true })
  @IsOptional()
  intervalDays?: number;

  @Field(() => String, { nullable: true, description: "'YYYY-MM-DD'." })
  @IsOptional()
  anchorDate?: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  minDays?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  maxDays?: number;
}

@InputType({ description: 'A named value for a Custom Command, exported to its environment.' })
export class ScriptParameterInput {
  @Field(() => String)
  @Length(1, 64)
  name!: string;

  @Field(() => String)
  @Length(0, 1000)
  value!: string;
}

@InputType({ description: 'Edit Script: the settings of the task’s script.' })
export class ScriptParametersInput {
  @Field(() => String, { nullable: true, description: 'CUSTOM_COMMAND: the shell command.' })
  @IsOptional()
  @Length(1, 4000)
  command?: string;

  @Field(() => [ScriptParameterInput], { nullable: true, description: 'CUSTOM_COMMAND: parameters, as environment variables.' })
  @IsOptional()
  @ValidateNested({ each: true })
  parameters?: ScriptParameterInput[];

  @Field(() => Int, { nullable: true, description: 'Password resets: the generated password’s length (12–128, default 24).' })
  @IsOptional()
  passwordLength?: number;
}

@InputType()
export class TimeWindowInput {
  @Field(() => String, { description: "5-field CRON of the minutes jobs may run, e.g. '* 1-4 * * 1-5'." })
  @Length(1, 128)
  cron!: string;

  @Field(() => String, { description: 'IANA time zone the CRON is read in.' })
  @Length(1, 64)
  timeZone!: string;
}

@InputType({ description: 'A task: its script, when it runs, and where.' })
export class TaskInput {
  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => ScriptKey)
  script!: ScriptKey;

  @Field(() => [PolicyEvent])
  @ArrayMinSize(1)
  @ArrayUnique()
  policyEvents!: PolicyEvent[];

  @Field(() => String, { nullable: true, description: 'The worker node that runs its jobs; "local" when omitted.' })
  @IsOptional()
  @Length(1, 63)
  executionNode?: string;

  @Field(() => TaskScheduleInput, { nullable: true, description: 'Needed by the recurring policy events.' })
  @IsOptional()
  @ValidateNested()
  schedule?: TaskScheduleInput;

  @Field(() => Int, { nullable: true, description: 'With AFTER_UNLOCK: minutes after an unlock that the job is due.' })
  @IsOptional()
  minutesAfterUnlock?: number;

  @Field(() => Boolean, { nullable: true, description: 'With AFTER_SESSION: wait until the last active session of the record (and of records sharing its reference) has ended.' })
  @IsOptional()
  deferUntilSessionsEnd?: boolean;

  @Field(() => TimeWindowInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  timeWindow?: TimeWindowInput;

  @Field(() => ScriptParametersInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  scriptParameters?: ScriptParametersInput;

  @Field(() => TargetRecord, { nullable: true, description: 'Which record its jobs are for; ITSELF when omitted.' })
  @IsOptional()
  targetRecord?: TargetRecord;

  @Field(() => ID, { nullable: true, description: 'Shadow account: a record whose credentials connect and run the script (e.g. root resetting another user).' })
  @IsOptional()
  @IsUUID()
  shadowRecordId?: string;
}

@InputType()
export class AddRecordTypeTaskInput {
  @Field(() => ID)
  @IsUUID()
  recordTypeId!: string;

  @Field(() => TaskInput)
  @ValidateNested()
  task!: TaskInput;
}

@InputType()
export class AddRecordTaskInput {
  @Field(() => ID, { description: 'A record whose tasks were made unique.' })
  @IsUUID()
  recordId!: string;

  @Field(() => TaskInput)
  @ValidateNested()
  task!: TaskInput;
}

@InputType({ description: 'Edit Policy: the task as it should be from now on.' })
export class UpdateTaskInput {
  @Field(() => ID)
  @IsUUID()
  taskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => TaskInput)
  @ValidateNested()
  task!: TaskInput;
}

@InputType()
export class TaskRefInput {
  @Field(() => ID)
  @IsUUID()
  taskId!: string;
}

@InputType({ description: 'Edit Script: new settings for the task’s script.' })
export class EditTaskScriptInput {
  @Field(() => ID)
  @IsUUID()
  taskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => ScriptParametersInput)
  @ValidateNested()
  scriptParameters!: ScriptParametersInput;
}
