import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Task, VaultRecord } from '../../db/entities';
import { previewTaskOccurrences } from '../../lib/task-occurrences';
import { BadInputError, NotFoundError } from '../../services/shared/errors';
import { type StewardContext, currentUser } from '../context';
import { AddRecordTaskInput, AddRecordTypeTaskInput, EditTaskScriptInput, TaskRefInput, UpdateTaskInput } from '../inputs/task-inputs';
import { RecordRefInput } from '../inputs/record-inputs';
import { toScriptParameters, toTaskSpec } from '../inputs/task-spec-input';
import { TaskPayload, TaskRemovedPayload } from '../types/task-payloads';
import { RecordPayload } from '../types/record-payloads';
import { ScriptParametersType, TaskOccurrence, TaskScheduleType, TimeWindowType } from '../types/task-types';

const MAX_PREVIEW = 50;

function localTime(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(date);
}

@Authorized()
@Resolver(() => Task)
export class TaskResolver {
  @FieldResolver(() => TaskScheduleType, { nullable: true, description: 'The calendar of the recurring policy events (EVERY_*); null when it has none.' })
  schedule(@Root() task: Task): TaskScheduleType | null {
    return (task.schedule as TaskScheduleType | null | undefined) ?? null;
  }

  @FieldResolver(() => TimeWindowType, { nullable: true, description: 'When its jobs may start; null when they may start at any time.' })
  timeWindow(@Root() task: Task): TimeWindowType | null {
    return task.timeWindowCron ? { cron: task.timeWindowCron, timeZone: task.timeWindowTimeZone ?? 'UTC' } : null;
  }

  @FieldResolver(() => ScriptParametersType, { nullable: true, description: 'The script’s settings; null when it has none.' })
  scriptParameters(@Root() task: Task): ScriptParametersType | null {
    const settings = task.scriptParameters;
    if (!settings) return null;
    const parameters = Object.entries(settings.parameters ?? {}).map(([name, value]) => ({ name, value }));
    return { command: settings.command ?? null, parameters, passwordLength: settings.passwordLength ?? null };
  }

  @FieldResolver(() => VaultRecord, { nullable: true, description: 'The shadow account whose credentials connect and run the script; null too when you may not view it.' })
  async shadowRecord(@Root() task: Task, @Ctx() context: StewardContext): Promise<VaultRecord | null> {
    const shadow = await task.shadowRecord?.load();
    return shadow ? context.services.access.viewableOrNull(currentUser(context), shadow) : null;
  }

  @Query(() => [TaskOccurrence], { description: "The next runs of a task's recurring events on a record, in the record's time zone." })
  async taskSchedulePreview(
    @Arg('recordId', () => ID, { description: 'The record the task applies to; its time zone sets the occurrences’ wall-clock times.' }) recordId: string,
    @Arg('taskId', () => ID, { description: 'The recurring task (of the record or of its record type) to preview.' }) taskId: string,
    @Arg('count', () => Int, { defaultValue: 10, description: 'How many upcoming occurrences to list.' }) count: number,
    @Ctx() context: StewardContext,
  ): Promise<TaskOccurrence[]> {
    if (count < 1 || count > MAX_PREVIEW) throw new BadInputError(`count must be between 1 and ${MAX_PREVIEW}`, 'count');
    const record: VaultRecord = await context.services.access.viewable(currentUser(context), recordId);
    const applicable = await context.services.tasks.applicableTasks(record);
    const task = applicable.find((entry) => entry.task.id === taskId)?.task;
    if (!task) throw new NotFoundError('Task', `${taskId} of record ${record.name}`);
    return previewTaskOccurrences(task, record.timeZone, new Date(), count, `${record.id}:${task.id}`).map((occurrence) => ({
      ...occurrence,
      localDue: `${localTime(occurrence.due, record.timeZone)} ${record.timeZone}`,
    }));
  }

  @Mutation(() => TaskPayload, { description: "Adds a task to a record type; its records inherit it. Needs System Administrator." })
  async addRecordTypeTask(@Arg('input', () => AddRecordTypeTaskInput, { description: 'The record type and the task to add to it.' }) input: AddRecordTypeTaskInput, @Ctx() context: StewardContext): Promise<TaskPayload> {
    return { task: await context.services.tasks.addTask(currentUser(context), { recordTypeId: input.recordTypeId }, toTaskSpec(input.task)) };
  }

  @Mutation(() => TaskPayload, { description: 'Adds a task to a record with its own tasks. Needs Task Control: Manage on it.' })
  async addRecordTask(@Arg('input', () => AddRecordTaskInput, { description: 'The record and the task to add to it.' }) input: AddRecordTaskInput, @Ctx() context: StewardContext): Promise<TaskPayload> {
    return { task: await context.services.tasks.addTask(currentUser(context), { recordId: input.recordId }, toTaskSpec(input.task)) };
  }

  @Mutation(() => TaskPayload, { description: 'Edit Policy: another script, other events, window or node. Upcoming jobs are rescheduled.' })
  async updateTask(@Arg('input', () => UpdateTaskInput, { description: 'The task, its new settings and the version you read.' }) input: UpdateTaskInput, @Ctx() context: StewardContext): Promise<TaskPayload> {
    return { task: await context.services.tasks.updateTask(currentUser(context), input.taskId, toTaskSpec(input.task), input.version) };
  }

  @Mutation(() => TaskPayload, { description: 'Edit Script: changes the settings of the task’s script, such as a custom command and its parameters.' })
  async editTaskScript(@Arg('input', () => EditTaskScriptInput, { description: 'The task, its new script settings and the version you read.' }) input: EditTaskScriptInput, @Ctx() context: StewardContext): Promise<TaskPayload> {
    return { task: await context.services.tasks.editScript(currentUser(context), input.taskId, toScriptParameters(input.scriptParameters), input.version) };
  }

  @Mutation(() => TaskRemovedPayload, { description: 'Remove Task: its upcoming jobs are cancelled.' })
  async removeTask(@Arg('input', () => TaskRefInput, { description: 'The task to remove.' }) input: TaskRefInput, @Ctx() context: StewardContext): Promise<TaskRemovedPayload> {
    await context.services.tasks.removeTask(currentUser(context), input.taskId);
    return { taskId: input.taskId };
  }

  @Mutation(() => RecordPayload, { description: "Make Unique: copies the type's tasks onto the record and breaks inheritance." })
  async makeRecordTasksUnique(@Arg('input', () => RecordRefInput, { description: 'The record whose inherited tasks become its own.' }) input: RecordRefInput, @Ctx() context: StewardContext): Promise<RecordPayload> {
    return { record: await context.services.tasks.makeUnique(currentUser(context), input.recordId) };
  }

  @Mutation(() => RecordPayload, { description: "Reset: drops the record's own tasks; it inherits its type's again." })
  async resetRecordTasks(@Arg('input', () => RecordRefInput, { description: 'The record whose own tasks are dropped for its record type’s.' }) input: RecordRefInput, @Ctx() context: StewardContext): Promise<RecordPayload> {
    return { record: await context.services.tasks.resetInheritance(currentUser(context), input.recordId) };
  }
}
