/**
 * When a vault task's recurring policy events come due for a record, and when its time window
 * lets the job run. Pure, like ./occurrences, which it builds on: the API (validation, previews)
 * and the scheduler both use it.
 */
import { PolicyEvent } from './enums';
import { nextDue, nextWindowOpening, type OccurrenceRule, OccurrenceRuleError, type TimeWindow, validateRule, type Weekday } from './occurrences';

/** Parameters of a task's recurring events; each event uses its own. */
export interface TaskSchedule {
  /** 'HH:MM' in the record's time zone; midnight when omitted. */
  timeOfDay?: string | null;
  dayOfMonth?: number | null;
  weekdays?: Weekday[] | null;
  intervalDays?: number | null;
  /** 'YYYY-MM-DD': the first day EVERY_N_DAYS counts from. */
  anchorDate?: string | null;
  minDays?: number | null;
  maxDays?: number | null;
}

export interface TaskTiming {
  policyEvents: readonly PolicyEvent[];
  schedule?: TaskSchedule | null;
  timeWindowCron?: string | null;
  timeWindowTimeZone?: string | null;
}

export interface Occurrence {
  /** The recurring event that comes due. */
  event: PolicyEvent;
  due: Date;
  /** `due`, or the next opening of the time window. */
  runAt: Date;
}

export function taskWindow(task: TaskTiming): TimeWindow | null {
  return task.timeWindowCron ? { cron: task.timeWindowCron, timeZone: task.timeWindowTimeZone ?? 'UTC' } : null;
}

function required<T>(value: T | null | undefined, field: string, event: string): T {
  if (value === null || value === undefined) throw new OccurrenceRuleError(field, `${event} needs ${field}`);
  return value;
}

/** One occurrence rule per recurring event of the task, read in `timeZone`. */
function eventRules(task: TaskTiming, timeZone: string): { event: PolicyEvent; rule: OccurrenceRule }[] {
  const schedule = task.schedule ?? {};
  const base = { timeOfDay: schedule.timeOfDay ?? '00:00', timeZone, window: taskWindow(task) };
  return task.policyEvents.flatMap((event) => ruleFor(event, schedule, base));
}

function ruleFor(event: PolicyEvent, schedule: TaskSchedule, base: Omit<OccurrenceRule, 'recurrence'>): { event: PolicyEvent; rule: OccurrenceRule }[] {
  const rule = (recurrence: OccurrenceRule['recurrence']) => [{ event, rule: { ...base, recurrence } }];
  switch (event) {
    case PolicyEvent.EVERY_DAY_OF_MONTH:
      return rule({ kind: 'DAY_OF_MONTH', day: required(schedule.dayOfMonth, 'dayOfMonth', event) });
    case PolicyEvent.EVERY_WEEKDAY:
      return rule({ kind: 'WEEKDAYS', weekdays: required(schedule.weekdays, 'weekdays', event) });
    case PolicyEvent.EVERY_N_DAYS:
      return rule({
        kind: 'EVERY_N_DAYS',
        interval: required(schedule.intervalDays, 'intervalDays', event),
        anchorDate: required(schedule.anchorDate, 'anchorDate', event),
      });
    case PolicyEvent.EVERY_X_TO_Y_DAYS:
      return rule({ kind: 'RANDOM_DAYS', minDays: required(schedule.minDays, 'minDays', event), maxDays: required(schedule.maxDays, 'maxDays', event) });
    default:
      return [];
  }
}

/**
 * Throws OccurrenceRuleError for anything that could never be scheduled: missing or
 * out-of-range parameters, x > y, a bad time zone, a malformed CRON, a window that never opens.
 */
export function validateTaskTiming(task: TaskTiming, timeZone: string): void {
  for (const { rule } of eventRules(task, timeZone)) validateRule(rule);
  const window = taskWindow(task);
  if (window) validateRule({ recurrence: { kind: 'DAY_OF_MONTH', day: 1 }, timeOfDay: '00:00', timeZone, window });
}

/** When a job due at `due` may run, given the task's time window. */
export function windowAdjusted(task: TaskTiming, due: Date): Date {
  const window = taskWindow(task);
  return window ? nextWindowOpening(window, due) : due;
}

/**
 * The task's next occurrence after `after`: the earliest of its recurring events. `previous`
 * (the last run's due time) and `seed` keep every-x-to-y-days deterministic. Null when the task
 * has no recurring event.
 */
export function nextTaskOccurrence(
  task: TaskTiming,
  timeZone: string,
  after: Date,
  options: { previous?: Date | null; seed?: string } = {},
): Occurrence | null {
  const dues = eventRules(task, timeZone).map(({ event, rule }) => ({ event, due: nextDue(rule, after, options) }));
  if (dues.length === 0) return null;
  const first = dues.reduce((earliest, candidate) => (candidate.due < earliest.due ? candidate : earliest));
  return { ...first, runAt: windowAdjusted(task, first.due) };
}

/** The next `count` occurrences, chained the way the scheduler chains them (seed `${seed}:<due ISO>`). */
export function previewTaskOccurrences(task: TaskTiming, timeZone: string, after: Date, count: number, seed: string, previous?: Date | null): Occurrence[] {
  const occurrences: Occurrence[] = [];
  let last = previous ?? null;
  let from = after;
  for (let i = 0; i < count; i++) {
    const next = nextTaskOccurrence(task, timeZone, from, { previous: last, seed: occurrenceSeed(seed, last) });
    if (!next) break;
    occurrences.push(next);
    last = next.due;
    from = next.due;
  }
  return occurrences;
}

/** The seed of the occurrence that follows `previous`: stable, so a preview shows the days that will run. */
export function occurrenceSeed(seed: string, previous: Date | null | undefined): string {
  return `${seed}:${previous ? previous.toISOString() : 'first'}`;
}
