import type { Weekday } from '../../lib/occurrences';
import type { TaskSpec } from '../../services/task-spec';
import type { TaskInput } from './record-inputs';

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
    timeWindow: input.timeWindow ? { cron: input.timeWindow.cron, timeZone: input.timeWindow.timeZone } : null,
  };
}
