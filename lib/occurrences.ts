/**
 * When recurring task policies come due, and when their time windows let them run.
 *
 * Pure and deterministic, like all of lib/: no I/O, no clock and no Math.random, so the same rule
 * and instant always give the same answer, whether the GraphQL API previews it or a service plans
 * the next run of a job. Time zones come from `Intl`.
 *
 * Conventions:
 * - Times of day are local wall-clock times in the rule's IANA time zone.
 * - DST gap (the local time does not exist, e.g. 02:30 on a spring-forward day): the run is at
 *   the first instant after the gap, i.e. the moment the clocks jump (03:00 local in Europe/Berlin
 *   and America/New_York), not at the shifted 03:30.
 * - DST repeat (the local time happens twice on a fall-back day): the run happens once, at the
 *   first (earlier) instant.
 * - A time window is open during every real minute whose local wall-clock time matches its CRON.
 *   So a window minute that falls into a DST gap does not open that day, and one in a repeated
 *   hour is open both times.
 *
 * Its calendar and zoned-time helpers are exported so that lib/assignment-occurrences schedules
 * client task assignments by the same conventions.
 */
import { CronExpression, CronExpressionParser, CronFieldCollection, type HourRange, type SixtyRange } from 'cron-parser';

export type Weekday = 'SUNDAY' | 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY';

export type Recurrence =
  /** Every nth day of the month, 1..31; in a shorter month it runs on the month's last day. */
  | { kind: 'DAY_OF_MONTH'; day: number }
  /** Every <weekday> (one or more). */
  | { kind: 'WEEKDAYS'; weekdays: Weekday[] }
  /** Every nth day (1..366) counted from anchorDate 'YYYY-MM-DD', a local date in the rule's zone. */
  | { kind: 'EVERY_N_DAYS'; interval: number; anchorDate: string }
  /** Every x to y days (1 <= x <= y <= 366), on a random day in that range after the previous run. */
  | { kind: 'RANDOM_DAYS'; minDays: number; maxDays: number };

/** A 5-field CRON; the window is open during every minute the CRON matches. */
export interface TimeWindow {
  cron: string;
  timeZone: string;
}

export interface OccurrenceRule {
  recurrence: Recurrence;
  /** 'HH:MM', 24-hour, local to timeZone. */
  timeOfDay: string;
  /** IANA time zone. */
  timeZone: string;
  window?: TimeWindow | null;
}

/** A rule that cannot be scheduled; `field` names the offending part, e.g. 'recurrence.day'. */
export class OccurrenceRuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'OccurrenceRuleError';
  }
}

export const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** How far ahead a window opening is searched for; a window that does not open by then never will. */
const WINDOW_HORIZON_DAYS = 5 * 366;
/** validateRule looks for a window opening from here, so that validation never reads a clock. */
const WINDOW_CHECK_FROM = Date.UTC(2024, 0, 1);
export const WEEKDAYS: readonly Weekday[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

// ---------------------------------------------------------------------------------------------
// Validation

export function validateRule(rule: OccurrenceRule): void {
  validateSchedule(rule);
  if (rule.window) nextWindowOpening(rule.window, new Date(WINDOW_CHECK_FROM));
}

/** Everything but the window: what nextDue needs. */
function validateSchedule(rule: OccurrenceRule): void {
  if (!rule || typeof rule !== 'object') throw new OccurrenceRuleError('rule', 'An occurrence rule is required.');
  validateRecurrence(rule.recurrence);
  parseTimeOfDay(rule.timeOfDay);
  assertTimeZone(rule.timeZone, 'timeZone');
}

function validateRecurrence(recurrence: Recurrence): void {
  if (!recurrence || typeof recurrence !== 'object') throw new OccurrenceRuleError('recurrence', 'A recurrence is required.');
  switch (recurrence.kind) {
    case 'DAY_OF_MONTH':
      assertWholeNumber(recurrence.day, 1, 31, 'recurrence.day', 'The day of the month');
      return;
    case 'WEEKDAYS':
      weekdayIndexes(recurrence.weekdays);
      return;
    case 'EVERY_N_DAYS':
      assertWholeNumber(recurrence.interval, 1, 366, 'recurrence.interval', 'The interval in days');
      parseLocalDate(recurrence.anchorDate, 'recurrence.anchorDate');
      return;
    case 'RANDOM_DAYS':
      assertWholeNumber(recurrence.minDays, 1, 366, 'recurrence.minDays', 'The fewest days between runs');
      assertWholeNumber(recurrence.maxDays, 1, 366, 'recurrence.maxDays', 'The most days between runs');
      if (recurrence.minDays > recurrence.maxDays) {
        throw new OccurrenceRuleError(
          'recurrence.maxDays',
          `The most days between runs (${recurrence.maxDays}) must not be fewer than the fewest (${recurrence.minDays}).`,
        );
      }
      return;
    default:
      throw new OccurrenceRuleError(
        'recurrence.kind',
        `Unknown recurrence kind ${JSON.stringify((recurrence as { kind?: unknown }).kind)}.`,
      );
  }
}

function assertWholeNumber(value: number, min: number, max: number, field: string, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OccurrenceRuleError(field, `${what} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).`);
  }
}

function weekdayIndexes(weekdays: Weekday[]): Set<number> {
  if (!Array.isArray(weekdays) || weekdays.length === 0) {
    throw new OccurrenceRuleError('recurrence.weekdays', 'Choose at least one weekday.');
  }
  const indexes = new Set<number>();
  for (const weekday of weekdays) {
    const index = WEEKDAYS.indexOf(weekday);
    if (index < 0) throw new OccurrenceRuleError('recurrence.weekdays', `Unknown weekday ${JSON.stringify(weekday)}.`);
    indexes.add(index);
  }
  return indexes;
}

/** Minutes after local midnight. */
function parseTimeOfDay(timeOfDay: string): number {
  const match = typeof timeOfDay === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(timeOfDay) : null;
  if (!match) {
    throw new OccurrenceRuleError('timeOfDay', `The time of day must be HH:MM from 00:00 to 23:59 (got ${JSON.stringify(timeOfDay)}).`);
  }
  return Number(match[1]) * 60 + Number(match[2]);
}

/** A 'YYYY-MM-DD' calendar date as a day number (days since 1970-01-01). */
export function parseLocalDate(text: string, field: string): number {
  const match = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const dayNumber = daysFromCivil(year, month, day);
  // Date.UTC rolls 2023-02-29 over to March 1st; a round trip catches dates that do not exist.
  const back = civilFromDays(dayNumber);
  if (!match || back.year !== year || back.month !== month || back.day !== day) {
    throw new OccurrenceRuleError(field, `${JSON.stringify(text)} is not a calendar date in the form YYYY-MM-DD.`);
  }
  return dayNumber;
}

export function assertTimeZone(timeZone: string, field: string): void {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    throw new OccurrenceRuleError(field, 'A time zone is required, e.g. Europe/Berlin.');
  }
  try {
    formatterFor(timeZone);
  } catch {
    throw new OccurrenceRuleError(field, `Unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as Europe/Berlin.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Calendar days and wall-clock time

interface CivilDate {
  year: number;
  month: number; // 1..12
  day: number;
}

interface WallClock extends CivilDate {
  hour: number;
  minute: number;
}

export function daysFromCivil(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY);
}

export function civilFromDays(dayNumber: number): CivilDate {
  const date = new Date(dayNumber * DAY);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 0 = Sunday; 1970-01-01 was a Thursday. */
export function weekdayOf(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

// Formatters are costly to build and hold no state that could break determinism, so keep them.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall-clock time of an instant, to the second (as milliseconds on a UTC scale). */
export function wallTimeMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

function wallClock(instant: number, timeZone: string): WallClock {
  const wall = wallTimeMs(instant, timeZone);
  const date = new Date(wall);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
  };
}

export function localDayNumber(instant: number, timeZone: string): number {
  return Math.floor(wallTimeMs(instant, timeZone) / DAY);
}

/** Local time minus UTC at an instant. */
function offsetAt(instant: number, timeZone: string): number {
  return wallTimeMs(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

/**
 * Every instant whose local wall-clock time is minuteOfDay on the given day, earliest first:
 * none in a DST gap, two in a DST repeat. Zone offsets lie within ±14 hours, so the offsets in
 * force 14 hours either side cover every instant that could show this wall time.
 */
function instantsAt(dayNumber: number, minuteOfDay: number, timeZone: string): number[] {
  const wall = dayNumber * DAY + minuteOfDay * MINUTE;
  const offsets = new Set([offsetAt(wall - 14 * HOUR, timeZone), offsetAt(wall + 14 * HOUR, timeZone)]);
  const instants = [...offsets].map((offset) => wall - offset).filter((instant) => wallTimeMs(instant, timeZone) === wall);
  return [...new Set(instants)].sort((a, b) => a - b);
}

/** The instant a scheduled local time refers to, following the DST conventions above. */
export function resolveLocalTime(dayNumber: number, minuteOfDay: number, timeZone: string): number {
  const instants = instantsAt(dayNumber, minuteOfDay, timeZone);
  if (instants.length > 0) return instants[0]; // repeated: the earlier one
  return endOfGap(dayNumber * DAY + minuteOfDay * MINUTE, timeZone);
}

/** The instant the clocks jump over the wall time `wall`, which lies in a DST gap. */
function endOfGap(wall: number, timeZone: string): number {
  const offsetBefore = offsetAt(wall - 14 * HOUR, timeZone);
  const offsetAfter = offsetAt(wall + 14 * HOUR, timeZone);
  // Read with the later offset, `wall` is an instant before the jump; with the earlier, one after.
  let before = wall - offsetAfter;
  let after = wall - offsetBefore;
  while (after - before > MINUTE) {
    const middle = before + Math.max(MINUTE, Math.floor((after - before) / 2 / MINUTE) * MINUTE);
    if (offsetAt(middle, timeZone) === offsetBefore) before = middle;
    else after = middle;
  }
  return after;
}

export function assertValidDate(value: Date, name: string): number {
  const time = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(time)) throw new RangeError(`${name} must be a valid Date.`);
  return time;
}

// ---------------------------------------------------------------------------------------------
// When a rule comes due

/**
 * The first due instant strictly after `after`. `previous` is the last run (for EVERY_N_DAYS it is
 * not needed; for RANDOM_DAYS the range counts from it, or from `after` when there is none).
 * `seed` makes RANDOM_DAYS deterministic (same seed → same day). The result is NOT adjusted by the
 * window.
 */
export function nextDue(rule: OccurrenceRule, after: Date, options: { previous?: Date | null; seed?: string } = {}): Date {
  validateSchedule(rule);
  const afterTime = assertValidDate(after, 'after');
  const minuteOfDay = parseTimeOfDay(rule.timeOfDay);
  const { recurrence, timeZone } = rule;
  if (recurrence.kind === 'RANDOM_DAYS') {
    const previous = options.previous == null ? null : assertValidDate(options.previous, 'previous');
    return new Date(nextRandomDue(recurrence, minuteOfDay, timeZone, afterTime, previous, options.seed));
  }
  return new Date(firstDueAfter(afterTime, minuteOfDay, timeZone, calendarMatcher(recurrence)));
}

/** The first day number on or after `from` that a calendar recurrence falls on. */
export type CalendarMatcher = (from: number) => number;

export function calendarMatcher(recurrence: Exclude<Recurrence, { kind: 'RANDOM_DAYS' }>): CalendarMatcher {
  switch (recurrence.kind) {
    case 'DAY_OF_MONTH':
      return (from) => nextDayOfMonth(recurrence.day, from);
    case 'WEEKDAYS': {
      const weekdays = weekdayIndexes(recurrence.weekdays);
      return (from) => {
        let day = from;
        while (!weekdays.has(weekdayOf(day))) day += 1;
        return day;
      };
    }
    case 'EVERY_N_DAYS': {
      const anchor = parseLocalDate(recurrence.anchorDate, 'recurrence.anchorDate');
      // Whole local days from the anchor, so DST never shifts the wall-clock time; none before it.
      return (from) => (from <= anchor ? anchor : anchor + Math.ceil((from - anchor) / recurrence.interval) * recurrence.interval);
    }
  }
}

/** Day `day` of the month, or the month's last day when the month is shorter (31 → Feb 28/29, Apr 30). */
function nextDayOfMonth(day: number, from: number): number {
  const { year, month } = civilFromDays(from);
  const thisMonth = daysFromCivil(year, month, Math.min(day, daysInMonth(year, month)));
  if (thisMonth >= from) return thisMonth;
  const [nextYear, nextMonth] = month === 12 ? [year + 1, 1] : [year, month + 1];
  return daysFromCivil(nextYear, nextMonth, Math.min(day, daysInMonth(nextYear, nextMonth)));
}

function firstDueAfter(after: number, minuteOfDay: number, timeZone: string, matcher: CalendarMatcher): number {
  // Start a day early: resolving a DST gap can move a due time past the end of its local day.
  let day = matcher(localDayNumber(after, timeZone) - 1);
  for (;;) {
    const due = resolveLocalTime(day, minuteOfDay, timeZone);
    if (due > after) return due;
    day = matcher(day + 1);
  }
}

/**
 * RANDOM_DAYS: a seeded draw of x..y whole local days after the previous run (or after `after`).
 * Without a seed the draw is seeded by that starting instant, so it still varies from run to run.
 * When the drawn day has already passed (the previous run was long ago), the run is overdue and
 * comes due at the first time of day after `after`.
 */
function nextRandomDue(
  recurrence: Extract<Recurrence, { kind: 'RANDOM_DAYS' }>,
  minuteOfDay: number,
  timeZone: string,
  after: number,
  previous: number | null,
  seed: string | undefined,
): number {
  const start = previous ?? after;
  const span = recurrence.maxDays - recurrence.minDays + 1;
  const days = recurrence.minDays + Math.floor(seededRandom(seed ?? String(start)) * span);
  const due = resolveLocalTime(localDayNumber(start, timeZone) + days, minuteOfDay, timeZone);
  return due > after ? due : firstDueAfter(after, minuteOfDay, timeZone, (from) => from);
}

/** A number in [0, 1) from a string: FNV-1a hash, then one step of mulberry32. */
export function seededRandom(seed: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i += 1) {
    hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193);
  }
  let t = (hash + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** When a run due at `due` actually starts: `due`, or the next window opening. */
export function runTimeFor(rule: OccurrenceRule, due: Date): Date {
  assertValidDate(due, 'due');
  return rule.window ? nextWindowOpening(rule.window, due) : new Date(due.getTime());
}

/**
 * The next `count` occurrences after `after`, each with `due` and `runAt` (window-adjusted).
 * Each due time is chained from the previous due time, not from its window-adjusted run time, so
 * the sequence depends on the rule alone; occurrence i (from 0) uses seed `${seed}:${i}` and
 * `nextDue(rule, previousDue ?? after, { previous: previousDue, seed: `${seed}:${i}` })` reproduces it.
 */
export function previewOccurrences(rule: OccurrenceRule, after: Date, count: number, seed?: string): { due: Date; runAt: Date }[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number of at least 0 (got ${count}).`);
  const occurrences: { due: Date; runAt: Date }[] = [];
  let previous: Date | null = null;
  for (let i = 0; i < count; i += 1) {
    const due = nextDue(rule, previous ?? after, { previous, seed: seed === undefined ? undefined : `${seed}:${i}` });
    occurrences.push({ due, runAt: runTimeFor(rule, due) });
    previous = due;
  }
  return occurrences;
}

// ---------------------------------------------------------------------------------------------
// Time windows

interface CompiledWindow {
  cron: string;
  timeZone: string;
  hours: readonly number[]; // ascending
  minutes: readonly number[]; // ascending
  /** Whether the day-of-month, month and day-of-week fields match a local calendar day. */
  matchesDay(dayNumber: number): boolean;
}

const compiledWindows = new Map<string, CompiledWindow>();

function compileWindow(window: TimeWindow): CompiledWindow {
  if (!window || typeof window !== 'object') throw new OccurrenceRuleError('window', 'A time window needs a CRON and a time zone.');
  assertTimeZone(window.timeZone, 'window.timeZone');
  const key = `${window.timeZone}\n${window.cron}`;
  let compiled = compiledWindows.get(key);
  if (!compiled) {
    compiled = parseWindow(window.cron, window.timeZone);
    if (compiledWindows.size >= 500) compiledWindows.clear();
    compiledWindows.set(key, compiled);
  }
  return compiled;
}

function parseWindow(cron: string, timeZone: string): CompiledWindow {
  const fields = typeof cron === 'string' ? cron.trim().split(/\s+/) : [];
  if (fields.length !== 5 || fields[0] === '') {
    throw new OccurrenceRuleError(
      'window.cron',
      `The time window must be a 5-field CRON "minute hour day-of-month month day-of-week" (got ${JSON.stringify(cron)}).`,
    );
  }
  // cron-parser reads 'H' as a hashed (pseudo-random) value; a window must mean the same thing everywhere.
  if (fields.some((field) => /(^|,)H($|[,/(])/i.test(field))) {
    throw new OccurrenceRuleError('window.cron', `The time window ${JSON.stringify(cron)} uses 'H', which is not supported.`);
  }
  let expression: CronExpression;
  try {
    // Fixed hashSeed and currentDate: otherwise cron-parser calls Math.random and reads the clock.
    expression = CronExpressionParser.parse(fields.join(' '), { hashSeed: 'steward', currentDate: new Date(0), tz: 'UTC' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/Invalid explicit day of month/i.test(reason)) {
      throw new OccurrenceRuleError('window', `The time window ${JSON.stringify(cron)} never opens: its day never occurs in its months.`);
    }
    throw new OccurrenceRuleError('window.cron', `The time window ${JSON.stringify(cron)} is not a valid CRON: ${reason}.`);
  }
  return {
    cron,
    timeZone,
    hours: [...expression.fields.hour.values].sort((a, b) => a - b),
    minutes: [...expression.fields.minute.values].sort((a, b) => a - b),
    matchesDay: dayMatcher(expression),
  };
}

/**
 * Reuses cron-parser's day rules (day-of-month OR day-of-week when both are restricted, 'L', '#')
 * by asking a copy of the expression that matches any time of day about UTC midnight of the day.
 */
function dayMatcher(expression: CronExpression): (dayNumber: number) => boolean {
  const every = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
  const sixty = every(60) as SixtyRange[];
  const fields = CronFieldCollection.from(expression.fields, { second: sixty, minute: sixty, hour: every(24) as HourRange[] });
  const anyTimeOfDay = new CronExpression(fields, { tz: 'UTC', currentDate: new Date(0) });
  return (dayNumber) => anyTimeOfDay.includesDate(new Date(dayNumber * DAY));
}

function isOpenAt(window: CompiledWindow, instant: number): boolean {
  const local = wallClock(instant, window.timeZone);
  return (
    window.minutes.includes(local.minute) &&
    window.hours.includes(local.hour) &&
    window.matchesDay(daysFromCivil(local.year, local.month, local.day))
  );
}

export function isWindowOpen(window: TimeWindow, at: Date): boolean {
  return isOpenAt(compileWindow(window), assertValidDate(at, 'at'));
}

/**
 * `at` itself if the window is open during that minute, else the start of the next minute it is
 * open. Throws OccurrenceRuleError on 'window' when it does not open within about five years.
 */
export function nextWindowOpening(window: TimeWindow, at: Date): Date {
  const compiled = compileWindow(window);
  const atTime = assertValidDate(at, 'at');
  if (isOpenAt(compiled, atTime)) return new Date(atTime);
  // Start a day early: after a fall-back, the previous local day can still be running.
  const firstDay = localDayNumber(atTime, compiled.timeZone) - 1;
  for (let day = firstDay; day <= firstDay + WINDOW_HORIZON_DAYS; day += 1) {
    if (!compiled.matchesDay(day)) continue;
    const opening = firstOpeningOnDay(compiled, day, atTime);
    if (opening !== null) return new Date(opening);
  }
  throw new OccurrenceRuleError(
    'window',
    `The time window ${JSON.stringify(compiled.cron)} never opens (no opening within ${WINDOW_HORIZON_DAYS / 366} years).`,
  );
}

/** The earliest open minute of a matching local day that starts after `after`, or null. */
function firstOpeningOnDay(window: CompiledWindow, day: number, after: number): number | null {
  let best: number | null = null;
  for (const hour of window.hours) {
    // Skip hours that are over before `after` (checked at their last minute).
    const lastMinute = instantsAt(day, hour * 60 + 59, window.timeZone);
    if (lastMinute.length > 0 && lastMinute[lastMinute.length - 1] <= after) continue;
    for (const minute of window.minutes) {
      const instants = instantsAt(day, hour * 60 + minute, window.timeZone);
      for (const instant of instants) {
        if (instant > after && (best === null || instant < best)) best = instant;
      }
      // First occurrences rise with the wall time, so no later minute can open sooner.
      if (instants.length > 0 && instants[0] > after) return best;
    }
  }
  return best;
}
