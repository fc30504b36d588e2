import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  isWindowOpen,
  nextDue,
  nextWindowOpening,
  OccurrenceRuleError,
  previewOccurrences,
  runTimeFor,
  validateRule,
  type OccurrenceRule,
  type Recurrence,
  type TimeWindow,
} from '../../lib/occurrences';

const DAY = 24 * 60 * 60 * 1000;

function rule(recurrence: Recurrence, timeOfDay = '09:00', timeZone = 'UTC', window?: TimeWindow | null): OccurrenceRule {
  return { recurrence, timeOfDay, timeZone, window };
}

const at = (iso: string): Date => new Date(iso);
const iso = (date: Date): string => date.toISOString();
const dues = (occurrences: { due: Date }[]): string[] => occurrences.map((o) => iso(o.due));

/** The local calendar date of an instant in a zone, as 'YYYY-MM-DD'. */
function localDate(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY;
}

/** Runs `check` and returns the OccurrenceRuleError it threw, failing when it threw nothing else. */
function ruleErrorOf(check: () => unknown): OccurrenceRuleError {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(OccurrenceRuleError);
    return error as OccurrenceRuleError;
  }
  throw new Error('expected an OccurrenceRuleError, but nothing was thrown');
}

describe('DAY_OF_MONTH', () => {
  const twentieth = rule({ kind: 'DAY_OF_MONTH', day: 20 });

  it('comes due on that day of the month at the time of day', () => {
    expect(iso(nextDue(twentieth, at('2026-01-10T00:00:00Z')))).toBe('2026-01-20T09:00:00.000Z');
    expect(iso(nextDue(twentieth, at('2026-01-20T08:59:59.999Z')))).toBe('2026-01-20T09:00:00.000Z');
  });

  it('is strictly after `after`', () => {
    expect(iso(nextDue(twentieth, at('2026-01-20T09:00:00Z')))).toBe('2026-02-20T09:00:00.000Z');
    expect(iso(nextDue(twentieth, at('2026-12-25T00:00:00Z')))).toBe('2027-01-20T09:00:00.000Z');
  });

  it('runs the 31st on the last day of shorter months', () => {
    const occurrences = previewOccurrences(rule({ kind: 'DAY_OF_MONTH', day: 31 }), at('2027-01-01T00:00:00Z'), 12);
    expect(dues(occurrences)).toEqual([
      '2027-01-31T09:00:00.000Z',
      '2027-02-28T09:00:00.000Z',
      '2027-03-31T09:00:00.000Z',
      '2027-04-30T09:00:00.000Z',
      '2027-05-31T09:00:00.000Z',
      '2027-06-30T09:00:00.000Z',
      '2027-07-31T09:00:00.000Z',
      '2027-08-31T09:00:00.000Z',
      '2027-09-30T09:00:00.000Z',
      '2027-10-31T09:00:00.000Z',
      '2027-11-30T09:00:00.000Z',
      '2027-12-31T09:00:00.000Z',
    ]);
  });

  it('uses February 29th in leap years (2028) and the 28th otherwise (2027)', () => {
    for (const day of [29, 30, 31]) {
      const monthly = rule({ kind: 'DAY_OF_MONTH', day });
      expect(iso(nextDue(monthly, at('2028-02-01T00:00:00Z')))).toBe('2028-02-29T09:00:00.000Z');
      expect(iso(nextDue(monthly, at('2027-02-01T00:00:00Z')))).toBe('2027-02-28T09:00:00.000Z');
    }
    // After Feb 28 in a leap year, the 29th is still to come.
    expect(iso(nextDue(rule({ kind: 'DAY_OF_MONTH', day: 31 }), at('2028-02-28T10:00:00Z')))).toBe('2028-02-29T09:00:00.000Z');
  });

  it('goes back to the full day in the month after a short one', () => {
    expect(iso(nextDue(rule({ kind: 'DAY_OF_MONTH', day: 30 }), at('2027-02-28T09:00:00Z')))).toBe('2027-03-30T09:00:00.000Z');
  });

  it('counts days of the month in the rule time zone', () => {
    // 00:30 on the 1st in Berlin (CET, +01:00) is still the last day of the previous month in UTC.
    const first = rule({ kind: 'DAY_OF_MONTH', day: 1 }, '00:30', 'Europe/Berlin');
    expect(iso(nextDue(first, at('2026-01-15T00:00:00Z')))).toBe('2026-01-31T23:30:00.000Z');
  });
});

describe('WEEKDAYS', () => {
  it('comes due on the next chosen weekday', () => {
    // 2026-01-07 is a Wednesday.
    const sundays = rule({ kind: 'WEEKDAYS', weekdays: ['SUNDAY'] });
    expect(iso(nextDue(sundays, at('2026-01-07T12:00:00Z')))).toBe('2026-01-11T09:00:00.000Z');
  });

  it('runs later the same day when the time of day is still ahead, else next week', () => {
    const sundays = rule({ kind: 'WEEKDAYS', weekdays: ['SUNDAY'] });
    expect(iso(nextDue(sundays, at('2026-01-11T08:00:00Z')))).toBe('2026-01-11T09:00:00.000Z');
    expect(iso(nextDue(sundays, at('2026-01-11T09:00:00Z')))).toBe('2026-01-18T09:00:00.000Z');
  });

  it('handles several weekdays', () => {
    const mondayAndFriday = rule({ kind: 'WEEKDAYS', weekdays: ['FRIDAY', 'MONDAY'] }, '18:15');
    expect(dues(previewOccurrences(mondayAndFriday, at('2026-01-07T00:00:00Z'), 4))).toEqual([
      '2026-01-09T18:15:00.000Z',
      '2026-01-12T18:15:00.000Z',
      '2026-01-16T18:15:00.000Z',
      '2026-01-19T18:15:00.000Z',
    ]);
  });

  it('runs every day when all seven are chosen', () => {
    const everyDay = rule({
      kind: 'WEEKDAYS',
      weekdays: ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'],
    });
    const occurrences = previewOccurrences(everyDay, at('2026-01-01T10:00:00Z'), 3);
    expect(dues(occurrences)).toEqual(['2026-01-02T09:00:00.000Z', '2026-01-03T09:00:00.000Z', '2026-01-04T09:00:00.000Z']);
  });

  it('uses the weekday in the rule time zone', () => {
    // Tokyo is +09:00: Monday 08:00 local is Sunday 23:00 UTC.
    const mondays = rule({ kind: 'WEEKDAYS', weekdays: ['MONDAY'] }, '08:00', 'Asia/Tokyo');
    expect(iso(nextDue(mondays, at('2026-01-07T00:00:00Z')))).toBe('2026-01-11T23:00:00.000Z');
  });
});

describe('EVERY_N_DAYS', () => {
  it('every 1 day is daily', () => {
    const daily = rule({ kind: 'EVERY_N_DAYS', interval: 1, anchorDate: '2026-01-01' }, '06:45');
    expect(dues(previewOccurrences(daily, at('2026-03-10T07:00:00Z'), 2))).toEqual([
      '2026-03-11T06:45:00.000Z',
      '2026-03-12T06:45:00.000Z',
    ]);
  });

  it('counts from the anchor date', () => {
    const everyThird = rule({ kind: 'EVERY_N_DAYS', interval: 3, anchorDate: '2026-01-01' });
    expect(dues(previewOccurrences(everyThird, at('2026-01-05T00:00:00Z'), 3))).toEqual([
      '2026-01-07T09:00:00.000Z',
      '2026-01-10T09:00:00.000Z',
      '2026-01-13T09:00:00.000Z',
    ]);
    // The anchor day itself is due.
    expect(iso(nextDue(everyThird, at('2026-01-01T08:00:00Z')))).toBe('2026-01-01T09:00:00.000Z');
    expect(iso(nextDue(everyThird, at('2026-01-01T09:00:00Z')))).toBe('2026-01-04T09:00:00.000Z');
  });

  it('is not due before the anchor date', () => {
    const everyTenth = rule({ kind: 'EVERY_N_DAYS', interval: 10, anchorDate: '2026-06-15' });
    expect(iso(nextDue(everyTenth, at('2025-12-01T00:00:00Z')))).toBe('2026-06-15T09:00:00.000Z');
  });

  it('keeps the wall-clock time across DST changes (local calendar days)', () => {
    const weekly = rule({ kind: 'EVERY_N_DAYS', interval: 7, anchorDate: '2026-03-15' }, '09:00', 'Europe/Berlin');
    expect(dues(previewOccurrences(weekly, at('2026-03-16T00:00:00Z'), 2))).toEqual([
      '2026-03-22T08:00:00.000Z', // 09:00 CET
      '2026-03-29T07:00:00.000Z', // 09:00 CEST
    ]);
    const autumn = rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2026-10-24' }, '09:00', 'America/New_York');
    expect(dues(previewOccurrences(autumn, at('2026-10-30T00:00:00Z'), 2))).toEqual([
      '2026-10-30T13:00:00.000Z', // 09:00 EDT
      '2026-11-01T14:00:00.000Z', // 09:00 EST
    ]);
  });

  it('counts leap days: 366 days after 2028-01-01 is 2029-01-01', () => {
    const yearly = rule({ kind: 'EVERY_N_DAYS', interval: 366, anchorDate: '2028-01-01' });
    expect(dues(previewOccurrences(yearly, at('2027-12-31T00:00:00Z'), 2))).toEqual([
      '2028-01-01T09:00:00.000Z',
      '2029-01-01T09:00:00.000Z',
    ]);
  });

  it('accepts a leap day as anchor', () => {
    const everyYearish = rule({ kind: 'EVERY_N_DAYS', interval: 365, anchorDate: '2028-02-29' });
    expect(iso(nextDue(everyYearish, at('2028-03-01T00:00:00Z')))).toBe('2029-02-28T09:00:00.000Z');
  });
});

describe('RANDOM_DAYS', () => {
  const previous = at('2026-01-10T09:00:00Z');

  it('x = y means exactly x days', () => {
    const weekly = rule({ kind: 'RANDOM_DAYS', minDays: 7, maxDays: 7 });
    for (const seed of ['a', 'b', 'c', 'record-42', '']) {
      expect(iso(nextDue(weekly, previous, { previous, seed }))).toBe('2026-01-17T09:00:00.000Z');
    }
  });

  it('always lands within [x, y] days of the previous run, covering the whole range', () => {
    const fifteenToThirty = rule({ kind: 'RANDOM_DAYS', minDays: 15, maxDays: 30 }, '09:00', 'Europe/Berlin');
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i += 1) {
      const due = nextDue(fifteenToThirty, previous, { previous, seed: `seed-${i}` });
      const days = daysBetween(localDate(previous, 'Europe/Berlin'), localDate(due, 'Europe/Berlin'));
      expect(days).toBeGreaterThanOrEqual(15);
      expect(days).toBeLessThanOrEqual(30);
      expect(due.getTime()).toBe(Date.parse(`${localDate(due, 'Europe/Berlin')}T08:00:00Z`)); // 09:00 CET
      seen.add(days);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => 15 + i));
  });

  it('is reproducible from the seed, and varies with it', () => {
    const random = rule({ kind: 'RANDOM_DAYS', minDays: 1, maxDays: 366 });
    const first = nextDue(random, previous, { previous, seed: 'task-7:3' });
    expect(nextDue(random, previous, { previous, seed: 'task-7:3' })).toEqual(first);
    const days = new Set(Array.from({ length: 50 }, (_, i) => iso(nextDue(random, previous, { previous, seed: `s${i}` }))));
    expect(days.size).toBeGreaterThan(30);
  });

  it('counts from `after` when there is no previous run', () => {
    const exactlyThree = rule({ kind: 'RANDOM_DAYS', minDays: 3, maxDays: 3 });
    expect(iso(nextDue(exactlyThree, at('2026-01-10T20:00:00Z'), { seed: 'x' }))).toBe('2026-01-13T09:00:00.000Z');
    expect(iso(nextDue(exactlyThree, at('2026-01-10T20:00:00Z'), { previous: null, seed: 'x' }))).toBe('2026-01-13T09:00:00.000Z');
  });

  it('counts from the previous run, not from `after`', () => {
    const exactlyFive = rule({ kind: 'RANDOM_DAYS', minDays: 5, maxDays: 5 });
    expect(iso(nextDue(exactlyFive, at('2026-01-12T00:00:00Z'), { previous }))).toBe('2026-01-15T09:00:00.000Z');
  });

  it('counts local calendar days across DST', () => {
    const exactlySeven = rule({ kind: 'RANDOM_DAYS', minDays: 7, maxDays: 7 }, '09:00', 'Europe/Berlin');
    const beforeSpring = at('2026-03-25T08:00:00Z'); // 09:00 CET
    expect(iso(nextDue(exactlySeven, beforeSpring, { previous: beforeSpring }))).toBe('2026-04-01T07:00:00.000Z'); // 09:00 CEST
  });

  it('is overdue at the next time of day when the drawn day has already passed', () => {
    const tenToTwenty = rule({ kind: 'RANDOM_DAYS', minDays: 10, maxDays: 20 });
    const longAgo = at('2025-01-01T09:00:00Z');
    expect(iso(nextDue(tenToTwenty, at('2026-01-10T10:00:00Z'), { previous: longAgo, seed: 'z' }))).toBe('2026-01-11T09:00:00.000Z');
    expect(iso(nextDue(tenToTwenty, at('2026-01-10T08:00:00Z'), { previous: longAgo, seed: 'z' }))).toBe('2026-01-10T09:00:00.000Z');
  });

  it('is deterministic without a seed', () => {
    const random = rule({ kind: 'RANDOM_DAYS', minDays: 2, maxDays: 90 });
    expect(nextDue(random, previous, { previous })).toEqual(nextDue(random, previous, { previous }));
  });
});

describe('DST', () => {
  describe('Europe/Berlin', () => {
    it('runs a time in the spring-forward gap (2026-03-29 02:00–02:59) at 03:00 CEST, the first instant after it', () => {
      const spring = (timeOfDay: string) => nextDue(rule({ kind: 'DAY_OF_MONTH', day: 29 }, timeOfDay, 'Europe/Berlin'), at('2026-03-01T00:00:00Z'));
      expect(iso(spring('01:59'))).toBe('2026-03-29T00:59:00.000Z'); // CET, before the gap
      expect(iso(spring('02:00'))).toBe('2026-03-29T01:00:00.000Z');
      expect(iso(spring('02:30'))).toBe('2026-03-29T01:00:00.000Z');
      expect(iso(spring('02:59'))).toBe('2026-03-29T01:00:00.000Z');
      expect(iso(spring('03:00'))).toBe('2026-03-29T01:00:00.000Z'); // CEST
      expect(iso(spring('03:30'))).toBe('2026-03-29T01:30:00.000Z');
    });

    it('runs a repeated time (2026-10-25 02:00–02:59) once, at its first (CEST) instant', () => {
      const daily = rule({ kind: 'EVERY_N_DAYS', interval: 1, anchorDate: '2026-01-01' }, '02:30', 'Europe/Berlin');
      expect(dues(previewOccurrences(daily, at('2026-10-24T12:00:00Z'), 2))).toEqual([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST; 01:30Z (02:30 CET) is skipped
        '2026-10-26T01:30:00.000Z', // 02:30 CET
      ]);
      expect(iso(nextDue(daily, at('2026-10-25T00:30:00Z')))).toBe('2026-10-26T01:30:00.000Z');
      expect(iso(nextDue(daily, at('2026-10-25T01:00:00Z')))).toBe('2026-10-26T01:30:00.000Z');
    });

    it('keeps a daily 09:00 at 09:00 local across both changes', () => {
      const daily = rule({ kind: 'WEEKDAYS', weekdays: ['SATURDAY', 'SUNDAY', 'MONDAY'] }, '09:00', 'Europe/Berlin');
      expect(dues(previewOccurrences(daily, at('2026-03-27T00:00:00Z'), 3))).toEqual([
        '2026-03-28T08:00:00.000Z',
        '2026-03-29T07:00:00.000Z',
        '2026-03-30T07:00:00.000Z',
      ]);
      expect(dues(previewOccurrences(daily, at('2026-10-23T00:00:00Z'), 3))).toEqual([
        '2026-10-24T07:00:00.000Z',
        '2026-10-25T08:00:00.000Z',
        '2026-10-26T08:00:00.000Z',
      ]);
    });
  });

  describe('America/New_York', () => {
    it('runs a time in the spring-forward gap (2026-03-08 02:00–02:59) at 03:00 EDT', () => {
      const spring = (timeOfDay: string) => nextDue(rule({ kind: 'WEEKDAYS', weekdays: ['SUNDAY'] }, timeOfDay, 'America/New_York'), at('2026-03-07T12:00:00Z'));
      expect(iso(spring('01:59'))).toBe('2026-03-08T06:59:00.000Z'); // EST
      expect(iso(spring('02:30'))).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
      expect(iso(spring('03:00'))).toBe('2026-03-08T07:00:00.000Z');
      expect(iso(spring('03:01'))).toBe('2026-03-08T07:01:00.000Z');
    });

    it('runs a repeated time (2026-11-01 01:00–01:59) once, at its first (EDT) instant', () => {
      const sundays = rule({ kind: 'WEEKDAYS', weekdays: ['SUNDAY'] }, '01:30', 'America/New_York');
      expect(dues(previewOccurrences(sundays, at('2026-10-31T12:00:00Z'), 2))).toEqual([
        '2026-11-01T05:30:00.000Z', // 01:30 EDT; 06:30Z (01:30 EST) is skipped
        '2026-11-08T06:30:00.000Z', // 01:30 EST
      ]);
      expect(iso(nextDue(sundays, at('2026-11-01T06:00:00Z')))).toBe('2026-11-08T06:30:00.000Z');
    });
  });
});

describe('time zones far from UTC, across the date line', () => {
  it('Pacific/Kiritimati (+14): a local day starts at 10:00 UTC the day before', () => {
    const first = rule({ kind: 'DAY_OF_MONTH', day: 1 }, '00:00', 'Pacific/Kiritimati');
    expect(iso(nextDue(first, at('2026-06-15T00:00:00Z')))).toBe('2026-06-30T10:00:00.000Z');
    const mondays = rule({ kind: 'WEEKDAYS', weekdays: ['MONDAY'] }, '09:00', 'Pacific/Kiritimati');
    // Monday 2026-01-12 09:00 +14 is Sunday 2026-01-11 19:00 UTC.
    expect(iso(nextDue(mondays, at('2026-01-07T00:00:00Z')))).toBe('2026-01-11T19:00:00.000Z');
    const last = rule({ kind: 'DAY_OF_MONTH', day: 31 }, '09:00', 'Pacific/Kiritimati');
    expect(iso(nextDue(last, at('2027-02-01T00:00:00Z')))).toBe('2027-02-27T19:00:00.000Z'); // Feb 28 local
  });

  it('Pacific/Pago_Pago (-11): a late local time is the next UTC day', () => {
    const last = rule({ kind: 'DAY_OF_MONTH', day: 31 }, '23:00', 'Pacific/Pago_Pago');
    expect(iso(nextDue(last, at('2026-01-15T00:00:00Z')))).toBe('2026-02-01T10:00:00.000Z');
    expect(iso(nextDue(last, at('2026-02-01T10:00:00Z')))).toBe('2026-03-01T10:00:00.000Z'); // Feb 28 local
    const sundays = rule({ kind: 'WEEKDAYS', weekdays: ['SUNDAY'] }, '22:30', 'Pacific/Pago_Pago');
    expect(iso(nextDue(sundays, at('2026-01-07T00:00:00Z')))).toBe('2026-01-12T09:30:00.000Z'); // a Monday in UTC
  });

  it('the same UTC instant is a different local day on each side', () => {
    const instant = at('2026-01-11T12:00:00Z');
    const window = (timeZone: string): TimeWindow => ({ cron: '* * * * 1', timeZone }); // Mondays
    expect(isWindowOpen(window('Pacific/Kiritimati'), instant)).toBe(true); // Monday 02:00
    expect(isWindowOpen(window('Pacific/Pago_Pago'), instant)).toBe(false); // Sunday 01:00
    expect(iso(nextWindowOpening(window('Pacific/Pago_Pago'), instant))).toBe('2026-01-12T11:00:00.000Z');
  });

  it('EVERY_N_DAYS and RANDOM_DAYS count local days in far zones', () => {
    const everyOther = rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2026-01-01' }, '09:00', 'Pacific/Kiritimati');
    expect(iso(nextDue(everyOther, at('2026-01-01T00:00:00Z')))).toBe('2026-01-02T19:00:00.000Z'); // Jan 3 local
    const exactlyOne = rule({ kind: 'RANDOM_DAYS', minDays: 1, maxDays: 1 }, '23:30', 'Pacific/Pago_Pago');
    const previous = at('2026-01-11T10:30:00Z'); // Jan 10 23:30 local
    expect(iso(nextDue(exactlyOne, previous, { previous }))).toBe('2026-01-12T10:30:00.000Z');
  });
});

describe('time windows', () => {
  const nights: TimeWindow = { cron: '* 1-4 * * 1-5', timeZone: 'UTC' }; // 01:00–04:59 on weekdays

  it('is open during every minute the CRON matches', () => {
    // 2026-03-02 is a Monday.
    expect(isWindowOpen(nights, at('2026-03-02T01:00:00Z'))).toBe(true);
    expect(isWindowOpen(nights, at('2026-03-02T04:59:59.999Z'))).toBe(true);
    expect(isWindowOpen(nights, at('2026-03-02T00:59:59.999Z'))).toBe(false);
    expect(isWindowOpen(nights, at('2026-03-02T05:00:00Z'))).toBe(false);
    expect(isWindowOpen(nights, at('2026-03-07T02:00:00Z'))).toBe(false); // Saturday
  });

  it('returns `at` unchanged while open', () => {
    const inside = at('2026-03-02T02:17:42.123Z');
    expect(nextWindowOpening(nights, inside).getTime()).toBe(inside.getTime());
  });

  it('otherwise returns the start of the next open minute', () => {
    expect(iso(nextWindowOpening(nights, at('2026-03-02T00:59:30Z')))).toBe('2026-03-02T01:00:00.000Z');
    expect(iso(nextWindowOpening(nights, at('2026-03-02T05:00:00Z')))).toBe('2026-03-03T01:00:00.000Z');
    expect(iso(nextWindowOpening(nights, at('2026-03-06T05:00:00Z')))).toBe('2026-03-09T01:00:00.000Z'); // Friday → Monday
    const quarterHours: TimeWindow = { cron: '*/15 * * * *', timeZone: 'UTC' };
    expect(iso(nextWindowOpening(quarterHours, at('2026-03-02T10:00:01Z')))).toBe('2026-03-02T10:00:01.000Z');
    expect(iso(nextWindowOpening(quarterHours, at('2026-03-02T10:01:00Z')))).toBe('2026-03-02T10:15:00.000Z');
  });

  it('reads the CRON in the window time zone', () => {
    const berlinNights: TimeWindow = { cron: '0-29 2 * * *', timeZone: 'Europe/Berlin' };
    expect(isWindowOpen(berlinNights, at('2026-01-15T01:10:00Z'))).toBe(true); // 02:10 CET
    expect(iso(nextWindowOpening(berlinNights, at('2026-01-15T01:30:00Z')))).toBe('2026-01-16T01:00:00.000Z');
    expect(iso(nextWindowOpening(berlinNights, at('2026-07-15T12:00:00Z')))).toBe('2026-07-16T00:00:00.000Z'); // CEST
  });

  it('supports names, last day of month (L), nth weekday (#) and day-of-month OR day-of-week', () => {
    expect(iso(nextWindowOpening({ cron: '0 3 * jan mon-fri', timeZone: 'UTC' }, at('2026-12-31T12:00:00Z')))).toBe(
      '2027-01-01T03:00:00.000Z',
    );
    expect(iso(nextWindowOpening({ cron: '0 3 L * *', timeZone: 'UTC' }, at('2027-02-01T00:00:00Z')))).toBe('2027-02-28T03:00:00.000Z');
    expect(iso(nextWindowOpening({ cron: '0 3 * * 2#1', timeZone: 'UTC' }, at('2026-03-02T00:00:00Z')))).toBe('2026-03-03T03:00:00.000Z');
    // Both restricted: the 13th or any Friday. 2026-03-06 is a Friday, 2026-03-13 one too.
    const thirteenthOrFriday: TimeWindow = { cron: '0 0 13 * 5', timeZone: 'UTC' };
    expect(iso(nextWindowOpening(thirteenthOrFriday, at('2026-03-01T00:00:00Z')))).toBe('2026-03-06T00:00:00.000Z');
    expect(iso(nextWindowOpening(thirteenthOrFriday, at('2026-04-11T00:00:00Z')))).toBe('2026-04-13T00:00:00.000Z'); // a Monday
  });

  describe('across DST', () => {
    const twoThirty: TimeWindow = { cron: '30 2 * * *', timeZone: 'Europe/Berlin' };

    it('does not open on a minute that falls in the gap', () => {
      expect(iso(nextWindowOpening(twoThirty, at('2026-03-28T02:00:00Z')))).toBe('2026-03-30T00:30:00.000Z');
    });

    it('is open both times a repeated minute happens', () => {
      expect(isWindowOpen(twoThirty, at('2026-10-25T00:30:00Z'))).toBe(true); // 02:30 CEST
      expect(isWindowOpen(twoThirty, at('2026-10-25T01:30:00Z'))).toBe(true); // 02:30 CET
      expect(isWindowOpen(twoThirty, at('2026-10-25T01:00:00Z'))).toBe(false);
      expect(iso(nextWindowOpening(twoThirty, at('2026-10-25T00:31:00Z')))).toBe('2026-10-25T01:30:00.000Z');
      expect(iso(nextWindowOpening(twoThirty, at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    });

    it('an hour-long window in New York stays open through the repeated hour', () => {
      const oneAm: TimeWindow = { cron: '* 1 * * *', timeZone: 'America/New_York' };
      expect(isWindowOpen(oneAm, at('2026-11-01T05:59:00Z'))).toBe(true); // 01:59 EDT
      expect(isWindowOpen(oneAm, at('2026-11-01T06:00:00Z'))).toBe(true); // 01:00 EST
      expect(isWindowOpen(oneAm, at('2026-11-01T07:00:00Z'))).toBe(false); // 02:00 EST
    });
  });

  describe('runTimeFor', () => {
    const daily = (window?: TimeWindow | null) => rule({ kind: 'EVERY_N_DAYS', interval: 1, anchorDate: '2026-01-01' }, '09:00', 'UTC', window);

    it('waits for the next opening when due outside the window', () => {
      expect(iso(runTimeFor(daily(nights), at('2026-03-02T09:00:00Z')))).toBe('2026-03-03T01:00:00.000Z');
      expect(iso(runTimeFor(daily(nights), at('2026-03-06T09:00:00Z')))).toBe('2026-03-09T01:00:00.000Z');
    });

    it('runs at the due time when it is inside the window', () => {
      const mornings: TimeWindow = { cron: '* 8-11 * * *', timeZone: 'UTC' };
      expect(iso(runTimeFor(daily(mornings), at('2026-03-02T09:00:00Z')))).toBe('2026-03-02T09:00:00.000Z');
    });

    it('runs at the due time without a window', () => {
      expect(iso(runTimeFor(daily(null), at('2026-03-02T09:00:00Z')))).toBe('2026-03-02T09:00:00.000Z');
      expect(iso(runTimeFor(daily(undefined), at('2026-03-02T09:00:00Z')))).toBe('2026-03-02T09:00:00.000Z');
    });
  });

  describe('a window that never opens', () => {
    it.each(['0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 * 2 1#5'])('%s is an error on "window"', (cron) => {
      const error = ruleErrorOf(() => validateRule(rule({ kind: 'DAY_OF_MONTH', day: 1 }, '09:00', 'UTC', { cron, timeZone: 'UTC' })));
      expect(error.field).toBe('window');
      expect(error.message).toMatch(/never opens/);
      expect(ruleErrorOf(() => nextWindowOpening({ cron, timeZone: 'UTC' }, at('2026-01-01T00:00:00Z'))).field).toBe('window');
    });

    it('a rare window that still opens within five years is valid (Feb 29)', () => {
      const leapDay: TimeWindow = { cron: '0 0 29 2 *', timeZone: 'UTC' };
      expect(() => validateRule(rule({ kind: 'DAY_OF_MONTH', day: 1 }, '09:00', 'UTC', leapDay))).not.toThrow();
      expect(iso(nextWindowOpening(leapDay, at('2026-01-01T00:00:00Z')))).toBe('2028-02-29T00:00:00.000Z');
    });
  });
});

describe('validateRule', () => {
  const valid: OccurrenceRule[] = [
    rule({ kind: 'DAY_OF_MONTH', day: 1 }),
    rule({ kind: 'DAY_OF_MONTH', day: 31 }, '23:59', 'Pacific/Kiritimati'),
    rule({ kind: 'WEEKDAYS', weekdays: ['MONDAY', 'MONDAY', 'FRIDAY'] }, '00:00', 'America/New_York'),
    rule({ kind: 'EVERY_N_DAYS', interval: 366, anchorDate: '2028-02-29' }),
    rule({ kind: 'RANDOM_DAYS', minDays: 1, maxDays: 366 }),
    rule({ kind: 'RANDOM_DAYS', minDays: 5, maxDays: 5 }, '12:00', 'UTC', null),
    rule({ kind: 'DAY_OF_MONTH', day: 15 }, '02:30', 'Europe/Berlin', { cron: '* 1-4 * * 1-5', timeZone: 'Europe/Berlin' }),
  ];

  it.each(valid.map((r) => [JSON.stringify(r), r]))('accepts %s', (_, r) => {
    expect(() => validateRule(r as OccurrenceRule)).not.toThrow();
  });

  const base = rule({ kind: 'DAY_OF_MONTH', day: 1 });
  const invalid: [string, OccurrenceRule, string][] = [
    ['day 0', rule({ kind: 'DAY_OF_MONTH', day: 0 }), 'recurrence.day'],
    ['day 32', rule({ kind: 'DAY_OF_MONTH', day: 32 }), 'recurrence.day'],
    ['day 1.5', rule({ kind: 'DAY_OF_MONTH', day: 1.5 }), 'recurrence.day'],
    ['day NaN', rule({ kind: 'DAY_OF_MONTH', day: NaN }), 'recurrence.day'],
    ['no weekdays', rule({ kind: 'WEEKDAYS', weekdays: [] }), 'recurrence.weekdays'],
    ['unknown weekday', rule({ kind: 'WEEKDAYS', weekdays: ['FUNDAY' as never] }), 'recurrence.weekdays'],
    ['interval 0', rule({ kind: 'EVERY_N_DAYS', interval: 0, anchorDate: '2026-01-01' }), 'recurrence.interval'],
    ['interval 367', rule({ kind: 'EVERY_N_DAYS', interval: 367, anchorDate: '2026-01-01' }), 'recurrence.interval'],
    ['interval 2.5', rule({ kind: 'EVERY_N_DAYS', interval: 2.5, anchorDate: '2026-01-01' }), 'recurrence.interval'],
    ['anchor 2023-02-29', rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2023-02-29' }), 'recurrence.anchorDate'],
    ['anchor 2027-02-29', rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2027-02-29' }), 'recurrence.anchorDate'],
    ['anchor month 13', rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2026-13-01' }), 'recurrence.anchorDate'],
    ['anchor 2026-04-31', rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2026-04-31' }), 'recurrence.anchorDate'],
    ['anchor 2026-1-5', rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2026-1-5' }), 'recurrence.anchorDate'],
    ['anchor with time', rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2026-01-05T00:00:00Z' }), 'recurrence.anchorDate'],
    ['x < 1', rule({ kind: 'RANDOM_DAYS', minDays: 0, maxDays: 5 }), 'recurrence.minDays'],
    ['y > 366', rule({ kind: 'RANDOM_DAYS', minDays: 1, maxDays: 367 }), 'recurrence.maxDays'],
    ['x > y', rule({ kind: 'RANDOM_DAYS', minDays: 10, maxDays: 5 }), 'recurrence.maxDays'],
    ['x not whole', rule({ kind: 'RANDOM_DAYS', minDays: 1.5, maxDays: 5 }), 'recurrence.minDays'],
    ['unknown kind', rule({ kind: 'HOURLY' } as never), 'recurrence.kind'],
    ['time 24:00', { ...base, timeOfDay: '24:00' }, 'timeOfDay'],
    ['time 7:5', { ...base, timeOfDay: '7:5' }, 'timeOfDay'],
    ['time 7:05', { ...base, timeOfDay: '7:05' }, 'timeOfDay'],
    ['time 07:60', { ...base, timeOfDay: '07:60' }, 'timeOfDay'],
    ['time with seconds', { ...base, timeOfDay: '07:00:00' }, 'timeOfDay'],
    ['unknown zone', { ...base, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['empty zone', { ...base, timeZone: '' }, 'timeZone'],
    ['offset zone', { ...base, timeZone: '+05:00' }, 'timeZone'],
    ['malformed CRON', { ...base, window: { cron: 'every night', timeZone: 'UTC' } }, 'window.cron'],
    ['4-field CRON', { ...base, window: { cron: '* 1-4 * *', timeZone: 'UTC' } }, 'window.cron'],
    ['6-field CRON', { ...base, window: { cron: '0 * 1-4 * * *', timeZone: 'UTC' } }, 'window.cron'],
    ['empty CRON', { ...base, window: { cron: '', timeZone: 'UTC' } }, 'window.cron'],
    ['CRON macro', { ...base, window: { cron: '@daily', timeZone: 'UTC' } }, 'window.cron'],
    ['minute 60', { ...base, window: { cron: '60 * * * *', timeZone: 'UTC' } }, 'window.cron'],
    ['hour 24', { ...base, window: { cron: '* 24 * * *', timeZone: 'UTC' } }, 'window.cron'],
    ['day 0', { ...base, window: { cron: '* * 0 * *', timeZone: 'UTC' } }, 'window.cron'],
    ['backwards range', { ...base, window: { cron: '* 5-1 * * *', timeZone: 'UTC' } }, 'window.cron'],
    ['hashed H', { ...base, window: { cron: 'H 1 * * *', timeZone: 'UTC' } }, 'window.cron'],
    ['window zone', { ...base, window: { cron: '* 1-4 * * *', timeZone: 'Nowhere/City' } }, 'window.timeZone'],
    ['Feb 30 window', { ...base, window: { cron: '0 0 30 2 *', timeZone: 'UTC' } }, 'window'],
  ];

  it.each(invalid)('rejects %s', (_, r, field) => {
    const error = ruleErrorOf(() => validateRule(r));
    expect(error.field).toBe(field);
    expect(error.name).toBe('OccurrenceRuleError');
    expect(error).toBeInstanceOf(Error);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('names the bad value in the message', () => {
    expect(ruleErrorOf(() => validateRule(rule({ kind: 'DAY_OF_MONTH', day: 32 }))).message).toContain('32');
    expect(ruleErrorOf(() => validateRule({ ...base, timeOfDay: '24:00' })).message).toContain('24:00');
    expect(ruleErrorOf(() => validateRule({ ...base, timeZone: 'Mars/Olympus_Mons' })).message).toContain('Mars/Olympus_Mons');
    expect(ruleErrorOf(() => validateRule(rule({ kind: 'EVERY_N_DAYS', interval: 2, anchorDate: '2023-02-29' }))).message).toContain(
      '2023-02-29',
    );
  });

  it('nextDue rejects a bad rule the same way', () => {
    expect(ruleErrorOf(() => nextDue(rule({ kind: 'DAY_OF_MONTH', day: 0 }), at('2026-01-01T00:00:00Z'))).field).toBe('recurrence.day');
    expect(ruleErrorOf(() => nextDue({ ...base, timeZone: 'Nope/Nope' }, at('2026-01-01T00:00:00Z'))).field).toBe('timeZone');
    expect(() => nextDue(base, new Date(NaN))).toThrow(RangeError);
  });
});

describe('previewOccurrences', () => {
  const window: TimeWindow = { cron: '* 1-4 * * 1-5', timeZone: 'Europe/Berlin' };
  const rules: OccurrenceRule[] = [
    rule({ kind: 'DAY_OF_MONTH', day: 31 }, '02:30', 'Europe/Berlin', window),
    rule({ kind: 'WEEKDAYS', weekdays: ['SUNDAY', 'WEDNESDAY'] }, '01:30', 'America/New_York', window),
    rule({ kind: 'EVERY_N_DAYS', interval: 5, anchorDate: '2026-02-01' }, '23:45', 'Pacific/Kiritimati', window),
    rule({ kind: 'RANDOM_DAYS', minDays: 15, maxDays: 30 }, '09:00', 'Pacific/Pago_Pago', window),
    rule({ kind: 'RANDOM_DAYS', minDays: 1, maxDays: 3 }, '02:30', 'Europe/Berlin', null),
  ];

  it.each(rules.map((r) => [r.recurrence.kind, r]))('%s: each occurrence is what nextDue gives, chained', (_, r) => {
    const typed = r as OccurrenceRule;
    const after = at('2026-01-20T12:34:56Z');
    const occurrences = previewOccurrences(typed, after, 40, 'task-9');
    expect(occurrences).toHaveLength(40);
    let previous: Date | null = null;
    occurrences.forEach((occurrence, i) => {
      const due = nextDue(typed, previous ?? after, { previous, seed: `task-9:${i}` });
      expect(occurrence.due).toEqual(due);
      expect(occurrence.due.getTime()).toBeGreaterThan((previous ?? after).getTime());
      expect(occurrence.runAt).toEqual(runTimeFor(typed, due));
      expect(occurrence.runAt.getTime()).toBeGreaterThanOrEqual(due.getTime());
      if (typed.window) expect(isWindowOpen(typed.window, occurrence.runAt)).toBe(true);
      previous = due;
    });
  });

  it('chains RANDOM_DAYS within [x, y] local days', () => {
    const random = rule({ kind: 'RANDOM_DAYS', minDays: 3, maxDays: 9 }, '09:00', 'America/New_York');
    const occurrences = previewOccurrences(random, at('2026-01-01T00:00:00Z'), 100, 'seed');
    for (let i = 1; i < occurrences.length; i += 1) {
      const days = daysBetween(localDate(occurrences[i - 1].due, 'America/New_York'), localDate(occurrences[i].due, 'America/New_York'));
      expect(days).toBeGreaterThanOrEqual(3);
      expect(days).toBeLessThanOrEqual(9);
    }
  });

  it('is deterministic, and a different seed gives different RANDOM_DAYS dates', () => {
    const random = rule({ kind: 'RANDOM_DAYS', minDays: 1, maxDays: 60 });
    const after = at('2026-01-01T00:00:00Z');
    expect(previewOccurrences(random, after, 10, 'a')).toEqual(previewOccurrences(random, after, 10, 'a'));
    expect(dues(previewOccurrences(random, after, 10, 'a'))).not.toEqual(dues(previewOccurrences(random, after, 10, 'b')));
    expect(previewOccurrences(random, after, 10)).toEqual(previewOccurrences(random, after, 10));
  });

  it('several due times can share one window opening', () => {
    const weekly: TimeWindow = { cron: '0 3 * * 1', timeZone: 'UTC' }; // Mondays 03:00
    const daily = rule({ kind: 'EVERY_N_DAYS', interval: 1, anchorDate: '2026-01-01' }, '09:00', 'UTC', weekly);
    const occurrences = previewOccurrences(daily, at('2026-03-03T00:00:00Z'), 3); // a Tuesday
    expect(occurrences.map((o) => iso(o.runAt))).toEqual(['2026-03-09T03:00:00.000Z', '2026-03-09T03:00:00.000Z', '2026-03-09T03:00:00.000Z']);
  });

  it('returns nothing for count 0 and rejects a bad count', () => {
    expect(previewOccurrences(rule({ kind: 'DAY_OF_MONTH', day: 1 }), at('2026-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(() => previewOccurrences(rule({ kind: 'DAY_OF_MONTH', day: 1 }), at('2026-01-01T00:00:00Z'), -1)).toThrow(RangeError);
    expect(() => previewOccurrences(rule({ kind: 'DAY_OF_MONTH', day: 1 }), at('2026-01-01T00:00:00Z'), 1.5)).toThrow(RangeError);
  });
});

describe('nextDue finds the first due instant', () => {
  const rules: OccurrenceRule[] = [
    rule({ kind: 'DAY_OF_MONTH', day: 30 }, '02:30', 'Europe/Berlin'),
    rule({ kind: 'WEEKDAYS', weekdays: ['SUNDAY'] }, '01:30', 'America/New_York'),
    rule({ kind: 'EVERY_N_DAYS', interval: 3, anchorDate: '2026-01-01' }, '02:15', 'America/New_York'),
    rule({ kind: 'EVERY_N_DAYS', interval: 1, anchorDate: '2026-01-01' }, '00:00', 'Pacific/Kiritimati'),
  ];

  it.each(rules.map((r) => [`${r.recurrence.kind} ${r.timeZone}`, r]))('%s: after any instant, nothing due is skipped', (_, r) => {
    const typed = r as OccurrenceRule;
    // Every 7 hours through 2026: the result is after `after`, and just before it nothing else is due.
    for (let time = Date.UTC(2026, 0, 1); time < Date.UTC(2027, 0, 1); time += 7 * 60 * 60 * 1000) {
      const due = nextDue(typed, new Date(time));
      expect(due.getTime()).toBeGreaterThan(time);
      expect(nextDue(typed, new Date(due.getTime() - 1))).toEqual(due);
      if (due.getTime() - 1 > time) expect(nextDue(typed, new Date(time))).toEqual(nextDue(typed, new Date(due.getTime() - 1)));
    }
  });
});

describe('determinism', () => {
  afterEach(() => jest.useRealTimers());

  it('does not depend on the clock', () => {
    const r = rule({ kind: 'RANDOM_DAYS', minDays: 3, maxDays: 30 }, '09:00', 'Europe/Berlin', { cron: '* 1-4 * * 1-5', timeZone: 'UTC' });
    const after = at('2026-05-05T05:05:05Z');
    jest.useFakeTimers().setSystemTime(at('2000-01-01T00:00:00Z'));
    const then = previewOccurrences(r, after, 5);
    jest.setSystemTime(at('2031-07-07T07:07:07Z'));
    expect(previewOccurrences(r, after, 5)).toEqual(then);
  });

  it('uses no clock, no Math.random and no Node built-ins', () => {
    const withComments = readFileSync(path.join(__dirname, '../../lib/occurrences.ts'), 'utf8');
    const source = withComments.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(source).not.toMatch(/Date\.now|Math\.random|new Date\(\)|performance\.now|process\./);
    expect(source).not.toMatch(/from ['"]node:|require\(/);
  });
});
