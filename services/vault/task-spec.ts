import type { EntityManager } from '@mikro-orm/postgresql';
import { ref } from '@mikro-orm/core';
import { LibraryScript, type RecordType, Task, VaultRecord } from '../../db/entities';
import { libraryScriptProblem } from '../scripts/task-script-choice';
import { LOCAL_NODE } from '../../lib/nodes';
import { PolicyEvent, type ScriptKey, TargetRecord } from '../../lib/enums';
import { OccurrenceRuleError } from '../../lib/occurrences';
import { type ScriptParameters, scriptParametersProblem } from '../../lib/script-parameters';
import { type TaskSchedule, validateTaskTiming } from '../../lib/task-occurrences';
import { BadInputError, NotFoundError } from '../shared/errors';
import type { NodeService } from '../nodes/node-service';
import { assertId, assertNotBlank, assertTimeZone } from '../shared/validation';

/** What a person configures on a task (Add Task, Edit Policy). */
export interface TaskSpec {
  name: string;
  script: ScriptKey;
  policyEvents: PolicyEvent[];
  executionNode?: string | null;
  schedule?: TaskSchedule | null;
  minutesAfterUnlock?: number | null;
  deferUntilSessionsEnd?: boolean | null;
  timeWindow?: { cron: string; timeZone: string } | null;
  targetRecord?: TargetRecord | null;
  /** The shadow account: a record whose credentials connect and run the script. */
  shadowRecordId?: string | null;
  scriptParameters?: ScriptParameters | null;
  /** A Script Library script the task runs; `script` must be of its kind (services/scripts/task-script-choice.ts). */
  libraryScriptId?: string | null;
}

const MAX_UNLOCK_DELAY_MINUTES = 7 * 24 * 60;

/** Refuses a task that could never run as configured; nothing is written. */
export async function assertTaskSpec(em: EntityManager, nodes: NodeService, spec: TaskSpec): Promise<void> {
  assertNotBlank(spec.name, 'name');
  if (spec.policyEvents.length === 0) throw new BadInputError(`Task "${spec.name}" needs at least one policy event`, 'policyEvents');
  const unlocks = spec.policyEvents.includes(PolicyEvent.AFTER_UNLOCK);
  if (unlocks !== (spec.minutesAfterUnlock != null)) {
    throw new BadInputError('minutesAfterUnlock goes with the AFTER_UNLOCK policy event, and only with it', 'minutesAfterUnlock');
  }
  if (unlocks && (!Number.isInteger(spec.minutesAfterUnlock) || spec.minutesAfterUnlock! < 1 || spec.minutesAfterUnlock! > MAX_UNLOCK_DELAY_MINUTES)) {
    throw new BadInputError(`minutesAfterUnlock must be between 1 and ${MAX_UNLOCK_DELAY_MINUTES}`, 'minutesAfterUnlock');
  }
  const problem = spec.libraryScriptId ? await libraryScriptProblem(em, spec) : scriptParametersProblem(spec.script, spec.scriptParameters);
  if (problem) throw new BadInputError(problem[1], problem[0]);
  if (spec.deferUntilSessionsEnd && !spec.policyEvents.includes(PolicyEvent.AFTER_SESSION)) {
    throw new BadInputError('deferUntilSessionsEnd goes with the AFTER_SESSION policy event', 'deferUntilSessionsEnd');
  }
  if (spec.timeWindow) assertTimeZone(spec.timeWindow.timeZone);
  if (spec.targetRecord === TargetRecord.SHADOW && !spec.shadowRecordId) {
    throw new BadInputError('The Shadow Record target needs a shadow account (shadowRecordId)', 'shadowRecordId');
  }
  if (spec.shadowRecordId) {
    assertId(spec.shadowRecordId, 'Record');
    if (!(await em.count(VaultRecord, { id: spec.shadowRecordId }))) throw new NotFoundError('Record', spec.shadowRecordId);
  }
  try {
    validateTaskTiming(timingOf(spec), 'UTC');
  } catch (error) {
    if (error instanceof OccurrenceRuleError) throw new BadInputError(error.message, error.field);
    throw error;
  }
  await nodes.assertRegistered(spec.executionNode ?? LOCAL_NODE);
}

function timingOf(spec: TaskSpec) {
  return {
    policyEvents: spec.policyEvents,
    schedule: spec.schedule ?? null,
    timeWindowCron: spec.timeWindow?.cron ?? null,
    timeWindowTimeZone: spec.timeWindow?.timeZone ?? null,
  };
}

/** Copies a spec onto a task (new or existing). */
export function applyTaskSpec(task: Task, spec: TaskSpec): void {
  task.name = spec.name.trim();
  task.script = spec.script;
  task.policyEvents = [...new Set(spec.policyEvents)];
  task.executionNode = spec.executionNode ?? LOCAL_NODE;
  task.schedule = spec.schedule ?? null;
  task.minutesAfterUnlock = spec.minutesAfterUnlock ?? null;
  task.deferUntilSessionsEnd = spec.deferUntilSessionsEnd ?? false;
  task.targetRecord = spec.targetRecord ?? TargetRecord.ITSELF;
  task.scriptParameters = spec.scriptParameters ?? null;
  task.shadowRecord = spec.shadowRecordId ? ref(VaultRecord, spec.shadowRecordId) : null;
  task.libraryScript = spec.libraryScriptId ? ref(LibraryScript, spec.libraryScriptId) : null;
  task.timeWindowCron = spec.timeWindow?.cron ?? null;
  task.timeWindowTimeZone = spec.timeWindow?.timeZone ?? null;
}

export function createTask(em: EntityManager, owner: { recordType: RecordType } | { record: VaultRecord }, spec: TaskSpec): Task {
  const task = em.create(Task, { ...owner, name: spec.name, script: spec.script, policyEvents: [] });
  applyTaskSpec(task, spec);
  return task;
}

/** The spec of an existing task, for copying it (Make Unique). */
export function specOf(task: Task): TaskSpec {
  return {
    name: task.name,
    script: task.script,
    policyEvents: task.policyEvents,
    executionNode: task.executionNode,
    schedule: task.schedule ?? null,
    minutesAfterUnlock: task.minutesAfterUnlock ?? null,
    deferUntilSessionsEnd: task.deferUntilSessionsEnd,
    targetRecord: task.targetRecord,
    scriptParameters: task.scriptParameters ?? null,
    shadowRecordId: task.shadowRecord?.id ?? null,
    libraryScriptId: task.libraryScript?.id ?? null,
    timeWindow: task.timeWindowCron ? { cron: task.timeWindowCron, timeZone: task.timeWindowTimeZone ?? 'UTC' } : null,
  };
}
