import { IsUUID } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ScheduleKind, TimeBasis, Weekday } from '../../lib/enums';

@InputType()
export class NthWeekdayInput {
  @Field(() => Int, { description: '1–4, or -1 for the last one of the month.' })
  occurrence!: number;

  @Field(() => Weekday)
  weekday!: Weekday;
}

@InputType({ description: 'When an assignment runs; each option is checked against the kind and refused with BAD_USER_INPUT naming it.' })
export class AssignmentScheduleInput {
  @Field(() => ScheduleKind)
  kind!: ScheduleKind;

  @Field(() => String, {
    nullable: true,
    description: 'Required except for IMMEDIATELY. LOCAL: a wall-clock date-time without zone (2026-12-01T09:30). UTC: an instant with Z or an offset.',
  })
  startAt?: string;

  @Field(() => Int, { nullable: true, description: 'DAILY only: every N days (1–365); 1 unless given.' })
  everyNDays?: number;

  @Field(() => [Weekday], { nullable: true, description: 'WEEKLY only, required: the weekdays it runs on.' })
  weekdays?: Weekday[];

  @Field(() => Int, { nullable: true, description: 'MONTHLY: the day of the month (1–31). Give this or nthWeekday.' })
  dayOfMonth?: number;

  @Field(() => NthWeekdayInput, { nullable: true, description: 'MONTHLY: the nth weekday. Give this or dayOfMonth.' })
  nthWeekday?: NthWeekdayInput;

  @Field(() => String, { nullable: true, description: 'DAILY, WEEKLY or MONTHLY: the last day (YYYY-MM-DD), not before the start.' })
  endDate?: string;

  @Field(() => Int, { nullable: true, description: 'Randomization window in minutes, 1–1380 (23 hours).' })
  randomizationMinutes?: number;

  @Field(() => TimeBasis, { nullable: true, description: 'LOCAL unless given.' })
  timeBasis?: TimeBasis;

  @Field(() => Boolean, { nullable: true, description: 'Not for IMMEDIATELY: run a missed run once when the system can next be reached.' })
  runMissed?: boolean;

  @Field(() => Int, { nullable: true, description: 'With runMissed: minutes to wait first (0–1440).' })
  runMissedDelayMinutes?: number;

  @Field(() => Int, { nullable: true, description: 'Stop the task if it runs longer than this many minutes (1–10080).' })
  stopAfterMinutes?: number;
}

@InputType({ description: 'Exactly one of groupId and systemId.' })
export class TreeNodeInput {
  @Field(() => ID, { nullable: true })
  groupId?: string;

  @Field(() => ID, { nullable: true })
  systemId?: string;
}

@InputType()
export class AssignClientTaskInput {
  @Field(() => ID)
  clientTaskId!: string;

  @Field(() => ID, { nullable: true, description: 'Assign at this group; or give systemId.' })
  groupId?: string;

  @Field(() => ID, { nullable: true, description: 'Assign at this system; or give groupId.' })
  systemId?: string;

  @Field(() => AssignmentScheduleInput)
  schedule!: AssignmentScheduleInput;
}

@InputType()
export class UpdateAssignmentInput {
  @Field(() => ID)
  @IsUUID()
  assignmentId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => AssignmentScheduleInput, { description: 'Replaces the whole schedule.' })
  schedule!: AssignmentScheduleInput;
}

@InputType()
export class RemoveAssignmentInput {
  @Field(() => ID)
  @IsUUID()
  assignmentId!: string;
}
