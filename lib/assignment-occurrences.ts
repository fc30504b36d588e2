/**
 * When a client task assignment's schedule fires, and how far each system's start is randomized.
 *
 * Pure and deterministic like lib/occurrences, whose calendar and zoned-time helpers it uses: no
 * I/O, no clock and no Math.random, so the assignment services that plan fires and the GraphQL
 * API that previews them always agree.
 *
 * Conventions:
 * - LOCAL time: startAt is a wall-clock date-time, read in each system's own zone; every fire is
 *   at that time of day on a local calendar day. A time in a DST gap fires when the clocks jump
 *   over it; a repeated time fires once, at its first instant.
 * - UTC time: startAt is an instant, and days, weekdays and month days are UTC calendar days, so
 *   every system fires at the same instant.
 * - No fire is before startAt, and none is after the endDate (inclusive, in the same calendar).
 */
import { ScheduleKind, TimeBasis, type Weekday } from './enums';
import {
  assertTimeZone,
  assertValidDate,
  type CalendarMatcher,
  calendarMatcher,
  civilFromDays,
  DAY,
  daysFromCivil,
  daysInMonth,
  localDayNumber,
  MINUTE,
  parseLocalDate,
  resolveLocalTime,
  seededRandom,
  wallTimeMs,
  WEEKDAYS,
  weekdayOf,
} from './occurrences';

/** The nth weekday of a month: occurrence 1–4, or -1 for the last one. */
export interface NthWeekday {
  occurrence: number;
  weekday: Weekday;
}

/** An assignment's schedule as stored (jsonb): only the options its kind uses, timeBasis always set. */
export interface AssignmentSchedule {
  kind: ScheduleKind;
  /** ISO 8601. With LOCAL time a wall-clock date-time without offset (read in each system's zone); with UTC an instant with Z or an offset. */
  startAt?: string;
  everyNDays?: number;
  weekdays?: Weekday[];
  dayOfMonth?: number;
  nthWeekday?: NthWeekday;
  /** 'YYYY-MM-DD', inclusive. */
  endDate?: string;
  randomizationMinutes?: number;
  timeBasis: TimeBasis;
  runMissed?: boolean;
  runMissedDelayMinutes?: number;
  stopAfterMinutes?: number;
}

const LOCAL_TIME_OF_DAY = /^\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Where a recurring schedule starts, in the calendar it is read in. */
interface Start {
  timeZone: string;
  /** The start date as a day number (days since 1970-01-01). */
  day: number;
  /** Milliseconds after local midnight that every fire is at. */
  timeOfDay: number;
  instant: number;
}

/** The first fire time strictly after `after` in `timeZone` (ignored with UTC time basis), or null when the schedule fires no more (ONCE passed, endDate passed, IMMEDIATELY). */
export function nextAssignmentFire(schedule: AssignmentSchedule, after: Date, timeZone: string): Date | null {
  const afterTime = assertValidDate(after, 'after');
  if (schedule.kind === ScheduleKind.IMMEDIATELY) return null;
  const start = startOf(schedule, timeZone);
  if (schedule.kind === ScheduleKind.ONCE) return start.instant > afterTime ? new Date(start.instant) : null;
  const matcher = dayMatcher(schedule, start);
  const lastDay = schedule.endDate == null ? Infinity : parseLocalDate(schedule.endDate, 'endDate');
  // Start a day early: resolving a DST gap can move a fire time past the end of its local day.
  for (let day = matcher(Math.max(start.day, localDayNumber(afterTime, start.timeZone) - 1)); day <= lastDay; day = matcher(day + 1)) {
    const fire = localInstant(day, start.timeOfDay, start.timeZone);
    if (fire > afterTime) return new Date(fire);
  }
  return null;
}

/** The next `count` fire times after `after`. */
export function previewAssignmentFires(schedule: AssignmentSchedule, after: Date, timeZone: string, count: number): Date[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number of at least 0 (got ${count}).`);
  const fires: Date[] = [];
  let previous = after;
  while (fires.length < count) {
    const fire = nextAssignmentFire(schedule, previous, timeZone);
    if (!fire) break;
    fires.push(fire);
    previous = fire;
  }
  return fires;
}

/** Deterministic start offset in ms in [0, randomizationMinutes·60000) for one system of one firing: a stable hash of `seed` spread uniformly; 0 without randomization. */
export function randomizedOffsetMs(seed: string, randomizationMinutes: number | undefined): number {
  if (!randomizationMinutes) return 0;
  if (!Number.isFinite(randomizationMinutes) || randomizationMinutes < 0) {
    throw new RangeError(`randomizationMinutes must be a positive number (got ${randomizationMinutes}).`);
  }
  return Math.floor(seededRandom(seed) * randomizationMinutes * MINUTE);
}

function startOf(schedule: AssignmentSchedule, timeZone: string): Start {
  const { startAt } = schedule;
  if (startAt == null) throw new RangeError(`A ${schedule.kind} schedule needs startAt.`);
  if (schedule.timeBasis === TimeBasis.UTC) {
    const instant = Date.parse(startAt);
    if (Number.isNaN(instant)) throw new RangeError(`With UTC time, startAt is an instant with Z or an offset (got ${JSON.stringify(startAt)}).`);
    const day = Math.floor(instant / DAY);
    return { timeZone: 'UTC', day, timeOfDay: instant - day * DAY, instant };
  }
  assertTimeZone(timeZone, 'timeZone');
  const time = LOCAL_TIME_OF_DAY.exec(startAt);
  if (!time) throw new RangeError(`With local time, startAt is a wall-clock date-time like 2026-12-01T09:30 (got ${JSON.stringify(startAt)}).`);
  const day = parseLocalDate(startAt.slice(0, 10), 'startAt');
  const timeOfDay = (Number(time[1]) * 60 + Number(time[2])) * MINUTE + Number(time[3] ?? 0) * 1000;
  return { timeZone, day, timeOfDay, instant: localInstant(day, timeOfDay, timeZone) };
}

/** The instant of a local wall-clock time on a day: the first one of a repeated time, the end of a DST gap. */
function localInstant(day: number, timeOfDay: number, timeZone: string): number {
  const minuteOfDay = Math.floor(timeOfDay / MINUTE);
  const minuteStart = resolveLocalTime(day, minuteOfDay, timeZone);
  // Clocks change on whole minutes, so the seconds count only when the minute itself exists.
  const minuteExists = wallTimeMs(minuteStart, timeZone) === day * DAY + minuteOfDay * MINUTE;
  return minuteExists ? minuteStart + (timeOfDay % MINUTE) : minuteStart;
}

/** The first day on or after a given day that the schedule fires on; never before the start date. */
function dayMatcher(schedule: AssignmentSchedule, start: Start): CalendarMatcher {
  const fromStart = (matcher: CalendarMatcher): CalendarMatcher => (from) => matcher(Math.max(from, start.day));
  switch (schedule.kind) {
    case ScheduleKind.DAILY:
      return calendarMatcher({ kind: 'EVERY_N_DAYS', interval: schedule.everyNDays ?? 1, anchorDate: new Date(start.day * DAY).toISOString().slice(0, 10) });
    case ScheduleKind.WEEKLY:
      return fromStart(calendarMatcher({ kind: 'WEEKDAYS', weekdays: schedule.weekdays ?? [] }));
    case ScheduleKind.MONTHLY:
      if (schedule.nthWeekday) return fromStart(nthWeekdayMatcher(schedule.nthWeekday));
      if (schedule.dayOfMonth == null) throw new RangeError('A MONTHLY schedule needs dayOfMonth or nthWeekday.');
      return fromStart(calendarMatcher({ kind: 'DAY_OF_MONTH', day: schedule.dayOfMonth }));
    default:
      throw new RangeError(`A ${schedule.kind} schedule does not recur.`);
  }
}

function nthWeekdayMatcher({ occurrence, weekday }: NthWeekday): CalendarMatcher {
  const weekdayIndex = WEEKDAYS.indexOf(weekday);
  if (weekdayIndex < 0) throw new RangeError(`Unknown weekday ${JSON.stringify(weekday)}.`);
  if (occurrence !== -1 && !(Number.isInteger(occurrence) && occurrence >= 1 && occurrence <= 4)) {
    throw new RangeError(`nthWeekday.occurrence is 1–4, or -1 for the last one (got ${occurrence}).`);
  }
  const inMonth = (year: number, month: number): number => {
    if (occurrence === -1) {
      const last = daysFromCivil(year, month, daysInMonth(year, month));
      return last - ((weekdayOf(last) - weekdayIndex + 7) % 7);
    }
    const first = daysFromCivil(year, month, 1);
    return first + ((weekdayIndex - weekdayOf(first) + 7) % 7) + (occurrence - 1) * 7;
  };
  return (from) => {
    const { year, month } = civilFromDays(from);
    const thisMonth = inMonth(year, month);
    return thisMonth >= from ? thisMonth : month === 12 ? inMonth(year + 1, 1) : inMonth(year, month + 1);
  };
}
