import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nextAssignmentFire, previewAssignmentFires, randomizedOffsetMs } from '../../lib/assignment-occurrences';
import { ScheduleKind, TimeBasis, Weekday } from '../../lib/enums';
import { OccurrenceRuleError } from '../../lib/occurrences';
import type { AssignmentSchedule } from '../../lib/assignment-occurrences';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const TOKYO = 'Asia/Tokyo';

const at = (iso: string): Date => new Date(iso);
const iso = (date: Date | null): string | null => date && date.toISOString();
const isos = (dates: Date[]): string[] => dates.map((date) => date.toISOString());
const local = (kind: ScheduleKind, startAt: string, options: Partial<AssignmentSchedule> = {}): AssignmentSchedule => ({ kind, startAt, timeBasis: TimeBasis.LOCAL, ...options });
const utc = (kind: ScheduleKind, startAt: string, options: Partial<AssignmentSchedule> = {}): AssignmentSchedule => ({ kind, startAt, timeBasis: TimeBasis.UTC, ...options });
const preview = (schedule: AssignmentSchedule, after: string, timeZone: string, count: number): string[] => isos(previewAssignmentFires(schedule, at(after), timeZone, count));

describe('ONCE and IMMEDIATELY', () => {
  it('fires a local ONCE at the wall-clock time of each zone, then no more', () => {
    const once = local(ScheduleKind.ONCE, '2026-12-24T18:00');
    expect(iso(nextAssignmentFire(once, at('2026-01-01T00:00:00Z'), BERLIN))).toBe('2026-12-24T17:00:00.000Z');
    expect(iso(nextAssignmentFire(once, at('2026-01-01T00:00:00Z'), NEW_YORK))).toBe('2026-12-24T23:00:00.000Z');
    expect(nextAssignmentFire(once, at('2026-12-24T17:00:00Z'), BERLIN)).toBeNull();
    expect(iso(nextAssignmentFire(once, at('2026-12-24T16:59:59.999Z'), BERLIN))).toBe('2026-12-24T17:00:00.000Z');
    expect(preview(once, '2026-01-01T00:00:00Z', BERLIN, 5)).toEqual(['2026-12-24T17:00:00.000Z']);
  });

  it('fires a UTC ONCE at the same instant everywhere and ignores the zone', () => {
    const once = utc(ScheduleKind.ONCE, '2026-12-24T19:00:00+01:00');
    for (const zone of [BERLIN, TOKYO, 'Not/AZone']) expect(iso(nextAssignmentFire(once, at('2026-12-01T00:00:00Z'), zone))).toBe('2026-12-24T18:00:00.000Z');
    expect(iso(nextAssignmentFire(utc(ScheduleKind.ONCE, '2026-12-24T18:00Z'), at('2026-12-01T00:00:00Z'), TOKYO))).toBe('2026-12-24T18:00:00.000Z');
  });

  it('keeps the seconds of startAt', () => {
    expect(iso(nextAssignmentFire(local(ScheduleKind.ONCE, '2026-12-01T09:30:15'), at('2026-11-01T00:00:00Z'), BERLIN))).toBe('2026-12-01T08:30:15.000Z');
    expect(iso(nextAssignmentFire(utc(ScheduleKind.ONCE, '2026-12-01T09:30:15.250Z'), at('2026-11-01T00:00:00Z'), BERLIN))).toBe('2026-12-01T09:30:15.250Z');
  });

  it('never fires IMMEDIATELY on a schedule (it runs when assigned)', () => {
    const immediately: AssignmentSchedule = { kind: ScheduleKind.IMMEDIATELY, timeBasis: TimeBasis.LOCAL };
    expect(nextAssignmentFire(immediately, at('2026-01-01T00:00:00Z'), BERLIN)).toBeNull();
    expect(previewAssignmentFires(immediately, at('2026-01-01T00:00:00Z'), BERLIN, 3)).toEqual([]);
  });
});

describe('DAILY', () => {
  it('fires every N days counted from the start date, not from `after`', () => {
    const everyThird = local(ScheduleKind.DAILY, '2026-12-30T09:30', { everyNDays: 3 });
    expect(preview(everyThird, '2026-01-01T00:00:00Z', BERLIN, 4)).toEqual(['2026-12-30T08:30:00.000Z', '2027-01-02T08:30:00.000Z', '2027-01-05T08:30:00.000Z', '2027-01-08T08:30:00.000Z']);
    expect(iso(nextAssignmentFire(everyThird, at('2027-01-03T00:00:00Z'), BERLIN))).toBe('2027-01-05T08:30:00.000Z');
    expect(iso(nextAssignmentFire(everyThird, at('2027-01-05T08:30:00Z'), BERLIN))).toBe('2027-01-08T08:30:00.000Z');
    // Far ahead, the cadence still counts from the start: 2099-12-31 is 26664 days, a multiple of 3, after 2026-12-30.
    expect(iso(nextAssignmentFire(everyThird, at('2099-12-30T12:00:00Z'), BERLIN))).toBe('2099-12-31T08:30:00.000Z');
  });

  it('defaults to every day', () => {
    expect(preview(local(ScheduleKind.DAILY, '2026-12-31T23:00'), '2026-12-31T00:00:00Z', TOKYO, 3)).toEqual(['2026-12-31T14:00:00.000Z', '2027-01-01T14:00:00.000Z', '2027-01-02T14:00:00.000Z']);
  });

  it('keeps the local wall-clock time across DST changes, and a UTC schedule keeps the instant', () => {
    const morning = local(ScheduleKind.DAILY, '2027-03-26T09:30');
    expect(preview(morning, '2027-03-26T00:00:00Z', BERLIN, 3)).toEqual(['2027-03-26T08:30:00.000Z', '2027-03-27T08:30:00.000Z', '2027-03-28T07:30:00.000Z']);
    expect(preview(utc(ScheduleKind.DAILY, '2027-03-26T09:30:00Z'), '2027-03-26T00:00:00Z', BERLIN, 3)).toEqual(['2027-03-26T09:30:00.000Z', '2027-03-27T09:30:00.000Z', '2027-03-28T09:30:00.000Z']);
  });

  it('moves a time in a DST gap to the moment the clocks jump, and fires a repeated time once, at its first instant', () => {
    const night = local(ScheduleKind.DAILY, '2027-03-01T02:30');
    expect(preview(night, '2027-03-27T00:00:00Z', BERLIN, 3)).toEqual(['2027-03-27T01:30:00.000Z', '2027-03-28T01:00:00.000Z', '2027-03-29T00:30:00.000Z']);
    expect(preview(night, '2027-03-13T00:00:00Z', NEW_YORK, 3)).toEqual(['2027-03-13T07:30:00.000Z', '2027-03-14T07:00:00.000Z', '2027-03-15T06:30:00.000Z']);
    // 02:30 happens twice in Berlin on 2027-10-31 (00:30Z in summer time, 01:30Z in winter time).
    expect(preview(night, '2027-10-30T00:00:00Z', BERLIN, 3)).toEqual(['2027-10-30T00:30:00.000Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']);
    // 01:30 happens twice in New York on 2027-11-07 (05:30Z in daylight time, 06:30Z in standard time).
    expect(preview(local(ScheduleKind.DAILY, '2027-03-01T01:30'), '2027-11-06T00:00:00Z', NEW_YORK, 3)).toEqual(['2027-11-06T05:30:00.000Z', '2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
  });

  it('starts in a DST gap at the moment the clocks jump, and drops the seconds there', () => {
    const inGap = local(ScheduleKind.DAILY, '2027-03-28T02:30:15');
    expect(preview(inGap, '2027-03-01T00:00:00Z', BERLIN, 2)).toEqual(['2027-03-28T01:00:00.000Z', '2027-03-29T00:30:15.000Z']);
    expect(iso(nextAssignmentFire(local(ScheduleKind.ONCE, '2027-03-14T02:30'), at('2027-03-01T00:00:00Z'), NEW_YORK))).toBe('2027-03-14T07:00:00.000Z');
  });

  it('never fires before startAt, also when `after` is long before it', () => {
    expect(iso(nextAssignmentFire(local(ScheduleKind.DAILY, '2026-12-01T09:30', { everyNDays: 2 }), at('2020-01-01T00:00:00Z'), BERLIN))).toBe('2026-12-01T08:30:00.000Z');
  });
});

describe('WEEKLY', () => {
  const mondaysAndFridays = local(ScheduleKind.WEEKLY, '2026-12-01T09:30', { weekdays: [Weekday.MONDAY, Weekday.FRIDAY] });

  it('fires on the chosen weekdays at the start’s time of day, from the start date on', () => {
    // 2026-12-01 is a Tuesday; Monday 2026-11-30 lies before the start.
    expect(preview(mondaysAndFridays, '2026-11-01T00:00:00Z', BERLIN, 5)).toEqual([
      '2026-12-04T08:30:00.000Z',
      '2026-12-07T08:30:00.000Z',
      '2026-12-11T08:30:00.000Z',
      '2026-12-14T08:30:00.000Z',
      '2026-12-18T08:30:00.000Z',
    ]);
  });

  it('fires on the start date itself when it is a chosen weekday', () => {
    expect(iso(nextAssignmentFire(local(ScheduleKind.WEEKLY, '2026-12-01T09:30', { weekdays: [Weekday.TUESDAY] }), at('2026-11-01T00:00:00Z'), NEW_YORK))).toBe('2026-12-01T14:30:00.000Z');
  });

  it('stops after the end date, which is inclusive', () => {
    const ending = { ...mondaysAndFridays, endDate: '2026-12-11' };
    expect(preview(ending, '2026-11-01T00:00:00Z', BERLIN, 5)).toEqual(['2026-12-04T08:30:00.000Z', '2026-12-07T08:30:00.000Z', '2026-12-11T08:30:00.000Z']);
    expect(nextAssignmentFire(ending, at('2026-12-11T08:30:00Z'), BERLIN)).toBeNull();
    expect(nextAssignmentFire(ending, at('2030-01-01T00:00:00Z'), BERLIN)).toBeNull();
  });

  it('reads weekdays of a UTC schedule as UTC days, whatever the zone', () => {
    const tuesdays = utc(ScheduleKind.WEEKLY, '2026-12-01T23:30:00Z', { weekdays: [Weekday.TUESDAY] });
    // In Tokyo these are Wednesday mornings; they still fire on the UTC Tuesday.
    expect(preview(tuesdays, '2026-11-01T00:00:00Z', TOKYO, 2)).toEqual(['2026-12-01T23:30:00.000Z', '2026-12-08T23:30:00.000Z']);
  });
});

describe('MONTHLY on a day of the month', () => {
  it('runs a day past the month’s end on its last day', () => {
    const thirtyFirst = local(ScheduleKind.MONTHLY, '2027-01-01T08:00', { dayOfMonth: 31 });
    expect(preview(thirtyFirst, '2027-01-01T00:00:00Z', BERLIN, 6)).toEqual([
      '2027-01-31T07:00:00.000Z',
      '2027-02-28T07:00:00.000Z',
      '2027-03-31T06:00:00.000Z',
      '2027-04-30T06:00:00.000Z',
      '2027-05-31T06:00:00.000Z',
      '2027-06-30T06:00:00.000Z',
    ]);
  });

  it('runs on February 29th in a leap year', () => {
    const thirtieth = utc(ScheduleKind.MONTHLY, '2027-12-01T08:00:00Z', { dayOfMonth: 30 });
    expect(preview(thirtieth, '2027-12-01T00:00:00Z', BERLIN, 4)).toEqual(['2027-12-30T08:00:00.000Z', '2028-01-30T08:00:00.000Z', '2028-02-29T08:00:00.000Z', '2028-03-30T08:00:00.000Z']);
    expect(preview(local(ScheduleKind.MONTHLY, '2027-02-01T08:00', { dayOfMonth: 29 }), '2027-02-01T00:00:00Z', 'UTC', 2)).toEqual(['2027-02-28T08:00:00.000Z', '2027-03-29T08:00:00.000Z']);
  });

  it('first fires in the start month only when the day is still to come', () => {
    expect(iso(nextAssignmentFire(local(ScheduleKind.MONTHLY, '2026-12-10T08:00', { dayOfMonth: 15 }), at('2026-01-01T00:00:00Z'), 'UTC'))).toBe('2026-12-15T08:00:00.000Z');
    expect(iso(nextAssignmentFire(local(ScheduleKind.MONTHLY, '2026-12-20T08:00', { dayOfMonth: 15 }), at('2026-01-01T00:00:00Z'), 'UTC'))).toBe('2027-01-15T08:00:00.000Z');
  });
});

describe('MONTHLY on the nth weekday', () => {
  it('fires on the second Tuesday', () => {
    const patchTuesday = local(ScheduleKind.MONTHLY, '2027-01-01T10:00', { nthWeekday: { occurrence: 2, weekday: Weekday.TUESDAY } });
    expect(preview(patchTuesday, '2027-01-01T00:00:00Z', NEW_YORK, 4)).toEqual([
      '2027-01-12T15:00:00.000Z',
      '2027-02-09T15:00:00.000Z',
      '2027-03-09T15:00:00.000Z',
      '2027-04-13T14:00:00.000Z',
    ]);
  });

  it('fires on the last Sunday, also on a DST day', () => {
    const lastSunday = local(ScheduleKind.MONTHLY, '2026-12-01T22:00', { nthWeekday: { occurrence: -1, weekday: Weekday.SUNDAY } });
    expect(preview(lastSunday, '2026-11-01T00:00:00Z', BERLIN, 5)).toEqual([
      '2026-12-27T21:00:00.000Z',
      '2027-01-31T21:00:00.000Z',
      '2027-02-28T21:00:00.000Z',
      '2027-03-28T20:00:00.000Z',
      '2027-04-25T20:00:00.000Z',
    ]);
  });

  it('takes the first and last weekday right at the month’s edges', () => {
    // 2027-02-01 and 2027-03-01 are Mondays; 2027-01-30 is the last Saturday of January.
    expect(preview(utc(ScheduleKind.MONTHLY, '2027-01-05T06:00:00Z', { nthWeekday: { occurrence: 1, weekday: Weekday.MONDAY } }), '2027-01-01T00:00:00Z', BERLIN, 2)).toEqual([
      '2027-02-01T06:00:00.000Z',
      '2027-03-01T06:00:00.000Z',
    ]);
    expect(iso(nextAssignmentFire(utc(ScheduleKind.MONTHLY, '2027-01-01T06:00:00Z', { nthWeekday: { occurrence: -1, weekday: Weekday.SATURDAY } }), at('2027-01-01T00:00:00Z'), BERLIN))).toBe('2027-01-30T06:00:00.000Z');
    // The fourth Friday of February 2027 is its last day of that weekday.
    expect(iso(nextAssignmentFire(utc(ScheduleKind.MONTHLY, '2027-02-01T06:00:00Z', { nthWeekday: { occurrence: 4, weekday: Weekday.FRIDAY } }), at('2027-02-01T00:00:00Z'), BERLIN))).toBe('2027-02-26T06:00:00.000Z');
  });

  it('skips to the next month when the start is after this month’s occurrence', () => {
    const secondTuesday = local(ScheduleKind.MONTHLY, '2027-01-13T10:00', { nthWeekday: { occurrence: 2, weekday: Weekday.TUESDAY } });
    expect(iso(nextAssignmentFire(secondTuesday, at('2027-01-01T00:00:00Z'), 'UTC'))).toBe('2027-02-09T10:00:00.000Z');
  });
});

describe('UTC and LOCAL time in two zones', () => {
  it('runs LOCAL at each zone’s own wall clock and UTC at one instant', () => {
    const localNine = local(ScheduleKind.DAILY, '2027-03-15T09:00');
    const utcNine = utc(ScheduleKind.DAILY, '2027-03-15T09:00:00Z');
    // Between the US (March 14th) and the EU (March 28th) DST changes, New York is 5 hours behind Berlin, not 6.
    expect(preview(localNine, '2027-03-15T00:00:00Z', BERLIN, 1)).toEqual(['2027-03-15T08:00:00.000Z']);
    expect(preview(localNine, '2027-03-15T00:00:00Z', NEW_YORK, 1)).toEqual(['2027-03-15T13:00:00.000Z']);
    expect(preview(utcNine, '2027-03-15T00:00:00Z', BERLIN, 2)).toEqual(preview(utcNine, '2027-03-15T00:00:00Z', NEW_YORK, 2));
    expect(preview(utcNine, '2027-03-15T00:00:00Z', TOKYO, 2)).toEqual(['2027-03-15T09:00:00.000Z', '2027-03-16T09:00:00.000Z']);
  });

  it('reads the end date in the zone of the schedule', () => {
    // 23:30 in New York on December 2nd is already December 3rd in UTC; it is still inside the end date.
    const lateEvening = local(ScheduleKind.DAILY, '2026-12-01T23:30', { endDate: '2026-12-02' });
    expect(preview(lateEvening, '2026-12-01T00:00:00Z', NEW_YORK, 5)).toEqual(['2026-12-02T04:30:00.000Z', '2026-12-03T04:30:00.000Z']);
    const utcLateEvening = utc(ScheduleKind.DAILY, '2026-12-01T23:30:00Z', { endDate: '2026-12-02' });
    expect(preview(utcLateEvening, '2026-12-01T00:00:00Z', TOKYO, 5)).toEqual(['2026-12-01T23:30:00.000Z', '2026-12-02T23:30:00.000Z']);
  });
});

describe('bad arguments', () => {
  it('refuses an unknown zone with LOCAL time, an invalid `after` and a bad count', () => {
    const daily = local(ScheduleKind.DAILY, '2026-12-01T09:30');
    expect(() => nextAssignmentFire(daily, at('2026-12-01T00:00:00Z'), 'Mars/Olympus')).toThrow(OccurrenceRuleError);
    expect(() => nextAssignmentFire(daily, new Date(Number.NaN), BERLIN)).toThrow(RangeError);
    expect(() => previewAssignmentFires(daily, at('2026-12-01T00:00:00Z'), BERLIN, -1)).toThrow(RangeError);
    expect(() => nextAssignmentFire(local(ScheduleKind.DAILY, '2026-12-01T09:30:00Z'), at('2026-12-01T00:00:00Z'), BERLIN)).toThrow(RangeError);
    expect(() => nextAssignmentFire(local(ScheduleKind.MONTHLY, '2026-12-01T09:30', { nthWeekday: { occurrence: 5, weekday: Weekday.MONDAY } }), at('2026-12-01T00:00:00Z'), BERLIN)).toThrow(RangeError);
    expect(previewAssignmentFires(daily, at('2026-12-01T00:00:00Z'), BERLIN, 0)).toEqual([]);
  });
});

describe('randomizedOffsetMs', () => {
  const seeds = Array.from({ length: 10_000 }, (_, i) => `run-${Math.floor(i / 100)}:system-${i}`);

  it('is 0 without randomization', () => {
    expect(randomizedOffsetMs('run:system', undefined)).toBe(0);
  });

  it('is the same for the same seed and differs between systems', () => {
    expect(randomizedOffsetMs('run-1:system-1', 30)).toBe(randomizedOffsetMs('run-1:system-1', 30));
    expect(new Set(seeds.slice(0, 100).map((seed) => randomizedOffsetMs(seed, 60))).size).toBeGreaterThan(95);
  });

  it('stays in whole milliseconds within the window', () => {
    for (const minutes of [1, 30, 1380]) {
      const outside = seeds.map((seed) => randomizedOffsetMs(seed, minutes)).filter((offset) => !Number.isInteger(offset) || offset < 0 || offset >= minutes * 60_000);
      expect({ minutes, outside }).toEqual({ minutes, outside: [] });
    }
  });

  it('spreads systems evenly over the window', () => {
    const buckets = new Array<number>(10).fill(0);
    for (const seed of seeds) buckets[Math.floor(randomizedOffsetMs(seed, 60) / (6 * 60_000))]! += 1;
    // 1,000 expected per bucket; a uniform draw strays from that by about 30.
    for (const count of buckets) expect(count).toBeGreaterThan(850);
    for (const count of buckets) expect(count).toBeLessThan(1150);
  });
});

describe('the module', () => {
  it('uses no clock and no Math.random, and imports only its pure neighbours', () => {
    const withComments = readFileSync(path.join(__dirname, '../../lib/assignment-occurrences.ts'), 'utf8');
    const source = withComments.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(source).not.toMatch(/Date\.now|Math\.random|new Date\(\)|performance\.now|process\.|require\(/);
    const imports = [...source.matchAll(/^import (type )?[\s\S]*? from '([^']+)';$/gm)].map((match) => `${match[1] ?? ''}${match[2]}`);
    expect(imports.sort()).toEqual(['./enums', './occurrences']);
  });
});
