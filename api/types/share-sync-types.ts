import { Field, Int, ObjectType } from 'type-graphql';
import { ServerTaskRun } from '../../db/entities';
import { Connection } from './connection';

@ObjectType({ description: 'The Share Client Tasks server task’s Temporal Schedule (schedule ID share-client-tasks in the Temporal UI).' })
export class ShareClientTasksSchedule {
  @Field(() => Int, { description: 'Seconds between runs.' })
  intervalSeconds!: number;

  @Field(() => Boolean, { description: 'True while the schedule is paused: it starts no runs, and nextRunAt is null.' })
  paused!: boolean;

  @Field(() => Boolean, { description: 'A run is in progress (as the schedule sees it); Run Now then runs right after it.' })
  running!: boolean;

  @Field(() => String, { nullable: true, description: 'Temporal’s note on the schedule: who paused or resumed it.' })
  note!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it runs next; null while paused.' })
  nextRunAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it last started a run, on schedule or by Run Now.' })
  lastRunAt!: Date | null;
}

@ObjectType({ description: 'What updateShareClientTasksSchedule and runShareClientTasksNow return.' })
export class ShareClientTasksSchedulePayload {
  @Field(() => ShareClientTasksSchedule, { description: 'The Share Client Tasks schedule after the change.' })
  schedule!: ShareClientTasksSchedule;
}

export const ServerTaskRunConnection = Connection(ServerTaskRun, 'ServerTaskRun');
