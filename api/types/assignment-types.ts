import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ClientTask, ClientTaskAssignment } from '../../db/entities';
import { ScheduleKind, TimeBasis, TreeNodeKind, Weekday } from '../../lib/enums';
import { Connection } from './connection';

export const ClientTaskAssignmentConnection = Connection(ClientTaskAssignment, 'ClientTaskAssignment');

@ObjectType({ description: 'The nth weekday of a month.' })
export class NthWeekday {
  @Field(() => Int, { description: '1–4, or -1 for the last one of the month.' })
  occurrence!: number;

  @Field(() => Weekday, { description: 'The day of the week.' })
  weekday!: Weekday;
}

@ObjectType({ description: 'When an assignment runs. Only the options its kind uses are set.' })
export class AssignmentSchedule {
  @Field(() => ScheduleKind, { description: 'How often it runs; decides which other fields apply.' })
  kind!: ScheduleKind;

  @Field(() => String, { nullable: true, description: 'ISO 8601: a wall-clock date-time with LOCAL time, an instant with UTC. Null only for IMMEDIATELY.' })
  startAt?: string;

  @Field(() => Int, { nullable: true, description: 'DAILY: every N days (1–365).' })
  everyNDays?: number;

  @Field(() => [Weekday], { nullable: true, description: 'WEEKLY: the weekdays it runs on.' })
  weekdays?: Weekday[];

  @Field(() => Int, { nullable: true, description: 'MONTHLY: the day of the month (1–31); a day past the month’s end runs on its last day.' })
  dayOfMonth?: number;

  @Field(() => NthWeekday, { nullable: true, description: 'MONTHLY: the nth weekday instead of a day of the month.' })
  nthWeekday?: NthWeekday;

  @Field(() => String, { nullable: true, description: 'The last day it runs on (YYYY-MM-DD), inclusive.' })
  endDate?: string;

  @Field(() => Int, { nullable: true, description: 'Each system starts within this many minutes after the fire time (1–1380).' })
  randomizationMinutes?: number;

  @Field(() => TimeBasis, { description: 'Whether startAt and the fire times are UTC instants or each system’s local wall-clock time.' })
  timeBasis!: TimeBasis;

  @Field(() => Boolean, { nullable: true, description: 'A run missed while the system was unreachable or the server was down runs once when it next can.' })
  runMissed?: boolean;

  @Field(() => Int, { nullable: true, description: 'Minutes to wait before running a missed run.' })
  runMissedDelayMinutes?: number;

  @Field(() => Int, { nullable: true, description: 'Stop the task if it runs longer than this many minutes.' })
  stopAfterMinutes?: number;
}

@ObjectType({ description: 'A group or a system of the system tree.' })
export class TreeNode {
  @Field(() => TreeNodeKind, { description: 'Whether it is a group or a system.' })
  kind!: TreeNodeKind;

  @Field(() => ID, { description: 'The group’s or system’s ID.' })
  id!: string;

  @Field(() => String, { description: 'The group’s or system’s name.' })
  name!: string;

  @Field(() => [String], { description: 'Names from the root group down to this node, inclusive.' })
  path!: string[];
}

@ObjectType({ description: 'A client task that applies to a system, and why.' })
export class EffectiveClientTask {
  @Field(() => ClientTaskAssignment, { description: 'The assignment that brings the task to the system: made at the system or inherited from a group above it.' })
  assignment!: ClientTaskAssignment;

  @Field(() => ClientTask, { description: 'The client task that runs on the system.' })
  clientTask!: ClientTask;

  @Field(() => TreeNode, { description: 'The node the task is assigned at: the system itself or one of its groups.' })
  fromNode!: TreeNode;

  @Field(() => TreeNode, { nullable: true, description: 'The nearest node at or above fromNode where inheritance is broken; nothing above it applies. Null when not broken.' })
  inheritanceBrokenAt!: TreeNode | null;
}

@ObjectType({ description: 'What assignClientTask and updateAssignment return.' })
export class AssignmentPayload {
  @Field(() => ClientTaskAssignment, { description: 'The assignment after the change.' })
  assignment!: ClientTaskAssignment;
}

@ObjectType({ description: 'What removeAssignment returns.' })
export class RemoveAssignmentPayload {
  @Field(() => ID, { description: 'The ID the removed assignment had.' })
  removedAssignmentId!: string;
}

@ObjectType({ description: 'What breakInheritance and resetInheritance return.' })
export class InheritancePayload {
  @Field(() => TreeNode, { description: 'The group or system acted on.' })
  node!: TreeNode;

  @Field(() => Boolean, { description: 'Whether inheritance is now broken at the node.' })
  inheritanceBroken!: boolean;
}
