import { ArrayMinSize, ArrayUnique, IsOptional, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { PolicyEvent, ScriptKey, TargetRecord, Weekday } from '../../lib/enums';

@InputType({ description: 'Parameters of the recurring policy events a task uses.' })
export class TaskScheduleInput {
  @Field(() => String, { nullable: true, description: "'HH:MM' in the record's time zone; midnight when omitted." })
  @IsOptional()
  @Matches(/^\d{2}:\d{2}$/, { message: "timeOfDay must look like 'HH:MM'" })
  timeOfDay?: string;

  // The ranges of lib/occurrences.ts, checked here too: a schedule keeps its values even while no policy event reads them.
  @Field(() => Int, { nullable: true, description: 'EVERY_DAY_OF_MONTH: 1–31; the last day in shorter months.' })
  @IsOptional()
  @Min(1)
  @Max(31)
  dayOfMonth?: number;

  @Field(() => [Weekday], { nullable: true, description: 'EVERY_WEEKDAY: the days it runs on.' })
  @IsOptional()
  weekdays?: Weekday[];

  @Field(() => Int, { nullable: true, description: 'EVERY_N_DAYS: the number of days between runs.' })
  @IsOptional()
  @Min(1)
  @Max(366)
  intervalDays?: number;

  @Field(() => String, { nullable: true, description: "'YYYY-MM-DD'." })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: "anchorDate must look like 'YYYY-MM-DD'" })
  anchorDate?: string;

  @Field(() => Int, { nullable: true, description: 'EVERY_X_TO_Y_DAYS: the fewest days after the previous run.' })
  @IsOptional()
  @Min(1)
  @Max(366)
  minDays?: number;

  @Field(() => Int, { nullable: true, description: 'EVERY_X_TO_Y_DAYS: the most days after the previous run.' })
  @IsOptional()
  @Min(1)
  @Max(366)
  maxDays?: number;
}

@InputType({ description: 'A named value for a Custom Command, exported to its environment.' })
export class ScriptParameterInput {
  @Field(() => String, { description: 'The parameter’s name, as the script declares it.' })
  @Length(1, 64)
  name!: string;

  @Field(() => String, { description: 'The value, as text (integers in decimal, booleans as "true" or "false").' })
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

@InputType({ description: 'When a task’s jobs may start: a cron expression of allowed minutes in a time zone.' })
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
  @Field(() => String, { description: 'The task’s name.' })
  @Length(1, 128)
  name!: string;

  @Field(() => ScriptKey, { description: 'The built-in script it runs, or the kind of the Script Library script named by libraryScriptId.' })
  script!: ScriptKey;

  @Field(() => [PolicyEvent], { description: 'What makes the task run; at least one.' })
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

  @Field(() => TimeWindowInput, { nullable: true, description: 'When its jobs may start; any time when omitted.' })
  @IsOptional()
  @ValidateNested()
  timeWindow?: TimeWindowInput;

  @Field(() => ScriptParametersInput, { nullable: true, description: 'The script’s settings; none when omitted.' })
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

  @Field(() => ID, { nullable: true, description: 'A Script Library script the task runs; `script` then names its kind (a reset key, VERIFY_PASSWORD or CUSTOM_COMMAND), and scriptParameters.parameters give values for its declared parameters.' })
  @IsOptional()
  @IsUUID()
  libraryScriptId?: string;
}

@InputType({ description: 'Adds a task to a record type; every record that inherits the type’s tasks gets it.' })
export class AddRecordTypeTaskInput {
  @Field(() => ID, { description: 'The record type to add the task to.' })
  @IsUUID()
  recordTypeId!: string;

  @Field(() => TaskInput, { description: 'The task to add.' })
  @ValidateNested()
  task!: TaskInput;
}

@InputType({ description: 'Adds a task of the record’s own; the record’s tasks must already be unique (makeRecordTasksUnique).' })
export class AddRecordTaskInput {
  @Field(() => ID, { description: 'A record whose tasks were made unique.' })
  @IsUUID()
  recordId!: string;

  @Field(() => TaskInput, { description: 'The task to add.' })
  @ValidateNested()
  task!: TaskInput;
}

@InputType({ description: 'Edit Policy: the task as it should be from now on.' })
export class UpdateTaskInput {
  @Field(() => ID, { description: 'The task to change.' })
  @IsUUID()
  taskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => TaskInput, { description: 'The task’s new settings; they replace the old ones.' })
  @ValidateNested()
  task!: TaskInput;
}

@InputType({ description: 'Names a task to act on.' })
export class TaskRefInput {
  @Field(() => ID, { description: 'The task’s ID.' })
  @IsUUID()
  taskId!: string;
}

@InputType({ description: 'Edit Script: new settings for the task’s script.' })
export class EditTaskScriptInput {
  @Field(() => ID, { description: 'The task whose script settings to change.' })
  @IsUUID()
  taskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => ScriptParametersInput, { description: 'The task’s new script settings; they replace the old ones.' })
  @ValidateNested()
  scriptParameters!: ScriptParametersInput;
}
