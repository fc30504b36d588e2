import { Field, Int, ObjectType } from 'type-graphql';
import { Task } from '../../db/entities';
import { PolicyEvent, TaskSource, Weekday } from '../../lib/enums';

@ObjectType({ description: 'Parameters of a task’s recurring policy events, read in the record’s time zone.' })
export class TaskScheduleType {
  @Field(() => String, { nullable: true, description: "'HH:MM' local time; midnight when omitted." })
  timeOfDay?: string | null;

  @Field(() => Int, { nullable: true, description: 'EVERY_DAY_OF_MONTH: 1–31; the last day in shorter months.' })
  dayOfMonth?: number | null;

  @Field(() => [Weekday], { nullable: true, description: 'EVERY_WEEKDAY.' })
  weekdays?: Weekday[] | null;

  @Field(() => Int, { nullable: true, description: 'EVERY_N_DAYS: the n.' })
  intervalDays?: number | null;

  @Field(() => String, { nullable: true, description: "EVERY_N_DAYS: 'YYYY-MM-DD', the first day counted from." })
  anchorDate?: string | null;

  @Field(() => Int, { nullable: true, description: 'EVERY_X_TO_Y_DAYS: x.' })
  minDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'EVERY_X_TO_Y_DAYS: y.' })
  maxDays?: number | null;
}

@ObjectType({ description: 'Jobs run only during the minutes the CRON matches, in its time zone.' })
export class TimeWindowType {
  @Field(() => String, { description: 'A 5-field CRON, "minute hour day-of-month month day-of-week" (no seconds, no H): jobs start only during the minutes it matches.' })
  cron!: string;

  @Field(() => String, { description: 'The IANA time zone the CRON is read in, such as Europe/Berlin.' })
  timeZone!: string;
}

@ObjectType({ description: 'A task that applies to a record, and where it is defined.' })
export class RecordTask {
  @Field(() => TaskSource, { description: 'Whether the task is the record’s own or inherited from its record type.' })
  source!: TaskSource;

  @Field(() => Task, { description: 'The task, as it applies to the record.' })
  task!: Task;
}

@ObjectType({ description: 'An upcoming run of a task on a record.' })
export class TaskOccurrence {
  @Field(() => PolicyEvent, { description: 'The recurring policy event the occurrence comes from.' })
  event!: PolicyEvent;

  @Field(() => Date, { description: 'When the event comes due.' })
  due!: Date;

  @Field(() => Date, { description: 'When the job runs: the due time, or the next opening of the time window.' })
  runAt!: Date;

  @Field(() => String, { description: 'The due time as a wall-clock time in the record’s time zone.' })
  localDue!: string;
}

@ObjectType({ description: 'One named parameter value of a task’s script.' })
export class ScriptParameter {
  @Field(() => String, { description: 'The parameter’s name, as the script declares it; delivered as an environment variable of that name.' })
  name!: string;

  @Field(() => String, { description: 'The value, as text (integers in decimal, booleans as "true" or "false").' })
  value!: string;
}

@ObjectType({ description: 'The settings of a task’s script (Edit Script).' })
export class ScriptParametersType {
  @Field(() => String, { nullable: true, description: 'CUSTOM_COMMAND: the shell command; null for other scripts.' })
  command?: string | null;

  @Field(() => [ScriptParameter], { description: 'Values for the script’s named parameters, delivered as environment variables; empty when none.' })
  parameters!: ScriptParameter[];

  @Field(() => Int, { nullable: true, description: 'Password resets: the generated password’s length (12–128); null means the default, 24.' })
  passwordLength?: number | null;
}
