import { IsOptional, IsUUID } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ScheduleKind, TimeBasis, Weekday } from '../../lib/enums';

@InputType({ description: 'A monthly day such as “the second Tuesday” or “the last Friday”.' })
export class NthWeekdayInput {
  @Field(() => Int, { description: '1–4, or -1 for the last one of the month.' })
  occurrence!: number;

  @Field(() => Weekday, { description: 'The day of the week.' })
  weekday!: Weekday;
}

@InputType({ description: 'When an assignment runs; each option is checked against the kind and refused with BAD_USER_INPUT naming it.' })
export class AssignmentScheduleInput {
  @Field(() => ScheduleKind, { description: 'How often it runs; decides which other fields are needed.' })
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
  @Field(() => ID, { nullable: true, description: 'A system group. Give exactly one of groupId and systemId.' })
  groupId?: string;

  @Field(() => ID, { nullable: true, description: 'A managed system. Give exactly one of groupId and systemId.' })
  systemId?: string;
}

@InputType({ description: 'Assigns a client task to one node of the system tree (a group or a system) on a schedule; give exactly one of groupId and systemId.' })
export class AssignClientTaskInput {
  @Field(() => ID, { description: 'The client task to assign.' })
  clientTaskId!: string;

  @Field(() => ID, { nullable: true, description: 'Assign at this group; or give systemId.' })
  groupId?: string;

  @Field(() => ID, { nullable: true, description: 'Assign at this system; or give groupId.' })
  systemId?: string;

  @Field(() => AssignmentScheduleInput, { description: 'When the task runs on the systems in scope.' })
  schedule!: AssignmentScheduleInput;
}

@InputType({ description: 'Changes a client task assignment’s schedule.' })
export class UpdateAssignmentInput {
  @Field(() => ID, { description: 'The assignment to change.' })
  @IsUUID()
  assignmentId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => AssignmentScheduleInput, { description: 'Replaces the whole schedule.' })
  schedule!: AssignmentScheduleInput;
}

@InputType({ description: 'Removes a client task assignment: it fires no more.' })
export class RemoveAssignmentInput {
  @Field(() => ID, { description: 'The assignment to remove.' })
  @IsUUID()
  assignmentId!: string;
}

@InputType({ description: 'Which client task assignments to list.' })
export class AssignmentFilterInput {
  @Field(() => ID, { description: 'The task whose assignments to list.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => ID, { nullable: true, description: 'Only the assignments made at this group (not at the systems or groups below it).' })
  @IsOptional()
  @IsUUID()
  systemTreeGroupId?: string | null;
}
