import { ScheduleKind, TimeBasis, Weekday } from '../../lib/enums';
import { BadInputError } from '../shared/errors';
import type { AssignmentSchedule } from '../../lib/assignment-occurrences';

/** A schedule as a caller sends it: anything may be missing or null. */
export type ScheduleInput = { [K in keyof AssignmentSchedule]?: AssignmentSchedule[K] | null };

export const MAX_RANDOMIZATION_MINUTES = 23 * 60;
export const MAX_EVERY_N_DAYS = 365;
export const MAX_RUN_MISSED_DELAY_MINUTES = 24 * 60;
export const MAX_STOP_AFTER_MINUTES = 7 * 24 * 60;

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function bad(field: string, message: string): never {
  throw new BadInputError(message, `schedule.${field}`);
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1970 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function integerIn(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) bad(field, `${field} must be a whole number from ${min} to ${max}`);
  return value;
}

/** The start's calendar date, 'YYYY-MM-DD', as written. */
function checkStartAt(startAt: string, timeBasis: TimeBasis): string {
  if (timeBasis === TimeBasis.LOCAL) {
    const match = LOCAL_DATE_TIME.exec(startAt);
    if (!match) {
      bad('startAt', `With local time, startAt is a wall-clock date and time without a zone, like 2026-12-01T09:30 (it runs at that time in each system's own zone); got "${startAt}"`);
    }
    checkClock(match, startAt);
  } else {
    const match = OFFSET_DATE_TIME.exec(startAt);
    if (!match) bad('startAt', `With UTC, startAt is an instant with Z or an offset, like 2026-12-01T09:30:00Z; got "${startAt}"`);
    checkClock(match, startAt);
    if (match[8] !== undefined && (Number(match[8]) > 23 || Number(match[9]) > 59)) bad('startAt', `"${startAt}" has an impossible offset`);
  }
  return startAt.slice(0, 10);
}

function checkClock(match: RegExpExecArray, startAt: string): void {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) bad('startAt', `"${startAt}" is not a real date and time`);
}

/**
 * Checks every option of a schedule against its kind and returns it normalized: only the options
 * the kind uses, timeBasis defaulted to LOCAL. The first problem is a BadInputError naming the field.
 */
export function validateSchedule(input: ScheduleInput): AssignmentSchedule {
  const kind = input.kind;
  if (kind == null || !Object.values(ScheduleKind).includes(kind)) bad('kind', `kind must be one of ${Object.values(ScheduleKind).join(', ')}`);
  const timeBasis = input.timeBasis ?? TimeBasis.LOCAL;
  if (!Object.values(TimeBasis).includes(timeBasis)) bad('timeBasis', `timeBasis must be UTC or LOCAL`);
  const schedule: AssignmentSchedule = { kind, timeBasis };
  const only = (field: keyof ScheduleInput, kinds: ScheduleKind[]) => {
    if (input[field] != null && !kinds.includes(kind)) bad(field, `${field} applies only to ${kinds.join(' or ')} schedules, not ${kind}`);
  };

  let startDate: string | null = null;
  if (input.startAt != null) startDate = checkStartAt(input.startAt, timeBasis);
  else if (kind !== ScheduleKind.IMMEDIATELY) bad('startAt', `A ${kind} schedule needs startAt`);
  if (input.startAt != null) schedule.startAt = input.startAt;

  only('everyNDays', [ScheduleKind.DAILY]);
  if (kind === ScheduleKind.DAILY) schedule.everyNDays = integerIn(input.everyNDays ?? 1, 'everyNDays', 1, MAX_EVERY_N_DAYS);

  only('weekdays', [ScheduleKind.WEEKLY]);
  if (kind === ScheduleKind.WEEKLY) {
    const weekdays = input.weekdays ?? [];
    if (!weekdays.length) bad('weekdays', 'A WEEKLY schedule needs at least one weekday');
    for (const weekday of weekdays) if (!Object.values(Weekday).includes(weekday)) bad('weekdays', `"${String(weekday)}" is not a weekday`);
    if (new Set(weekdays).size !== weekdays.length) bad('weekdays', 'A weekday is listed twice');
    const order = Object.values(Weekday);
    schedule.weekdays = [...weekdays].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  }

  only('dayOfMonth', [ScheduleKind.MONTHLY]);
  only('nthWeekday', [ScheduleKind.MONTHLY]);
  if (kind === ScheduleKind.MONTHLY) {
    if ((input.dayOfMonth == null) === (input.nthWeekday == null)) bad('dayOfMonth', 'A MONTHLY schedule needs exactly one of dayOfMonth and nthWeekday');
    if (input.dayOfMonth != null) schedule.dayOfMonth = integerIn(input.dayOfMonth, 'dayOfMonth', 1, 31);
    if (input.nthWeekday != null) {
      const { occurrence, weekday } = input.nthWeekday;
      if (!Number.isInteger(occurrence) || !(occurrence === -1 || (occurrence >= 1 && occurrence <= 4))) bad('nthWeekday', 'nthWeekday.occurrence is 1–4, or -1 for the last one of the month');
      if (!Object.values(Weekday).includes(weekday)) bad('nthWeekday', `"${String(weekday)}" is not a weekday`);
      schedule.nthWeekday = { occurrence, weekday };
    }
  }

  only('endDate', [ScheduleKind.DAILY, ScheduleKind.WEEKLY, ScheduleKind.MONTHLY]);
  if (input.endDate != null) {
    const match = DATE.exec(input.endDate);
    if (!match || !isRealDate(Number(match[1]), Number(match[2]), Number(match[3]))) bad('endDate', `endDate is a date like 2027-06-30; got "${input.endDate}"`);
    if (startDate !== null && input.endDate < startDate) bad('endDate', `endDate ${input.endDate} is before the start, ${startDate}`);
    schedule.endDate = input.endDate;
  }

  if (input.randomizationMinutes != null) schedule.randomizationMinutes = integerIn(input.randomizationMinutes, 'randomizationMinutes', 1, MAX_RANDOMIZATION_MINUTES);

  only('runMissed', [ScheduleKind.ONCE, ScheduleKind.DAILY, ScheduleKind.WEEKLY, ScheduleKind.MONTHLY]);
  if (input.runMissed != null) schedule.runMissed = input.runMissed;
  if (input.runMissedDelayMinutes != null) {
    if (!input.runMissed) bad('runMissedDelayMinutes', 'runMissedDelayMinutes applies only when runMissed is true');
    schedule.runMissedDelayMinutes = integerIn(input.runMissedDelayMinutes, 'runMissedDelayMinutes', 0, MAX_RUN_MISSED_DELAY_MINUTES);
  }

  if (input.stopAfterMinutes != null) schedule.stopAfterMinutes = integerIn(input.stopAfterMinutes, 'stopAfterMinutes', 1, MAX_STOP_AFTER_MINUTES);
  return schedule;
}
