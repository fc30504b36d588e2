import type { Weekday } from '../../lib/occurrences';
import type { TaskSpec } from '../../services/vault/task-spec';
import type { ScriptParameters } from '../../lib/script-parameters';
import type { ScriptParametersInput, TaskInput } from './task-inputs';

/** The service's view of a task input. */
export function toTaskSpec(input: TaskInput): TaskSpec {
  return {
    name: input.name,
    script: input.script,
    policyEvents: input.policyEvents,
    executionNode: input.executionNode ?? null,
    schedule: input.schedule ? { ...input.schedule, weekdays: input.schedule.weekdays as Weekday[] | undefined } : null,
    minutesAfterUnlock: input.minutesAfterUnlock ?? null,
    deferUntilSessionsEnd: input.deferUntilSessionsEnd ?? false,
    targetRecord: input.targetRecord ?? null,
    shadowRecordId: input.shadowRecordId ?? null,
    libraryScriptId: input.libraryScriptId ?? null,
    scriptParameters: input.scriptParameters ? toScriptParameters(input.scriptParameters) : null,
    timeWindow: input.timeWindow ? { cron: input.timeWindow.cron, timeZone: input.timeWindow.timeZone } : null,
  };
}

export function toScriptParameters(input: ScriptParametersInput): ScriptParameters {
  return {
    command: input.command ?? null,
    parameters: input.parameters ? Object.fromEntries(input.parameters.map(({ name, value }) => [name, value])) : null,
    passwordLength: input.passwordLength ?? null,
  };
}
