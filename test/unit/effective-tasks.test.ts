import { type ChainNode, effectiveAssignments, groupChain } from '../../lib/effective-tasks';
import { ScheduleKind, TimeBasis, TreeNodeKind, Weekday } from '../../lib/enums';
import { validateSchedule } from '../../services/assignments/schedule-validation';
import { BadInputError } from '../../services/shared/errors';

function group(id: string, assignments: string[] = [], brokenInheritance = false): ChainNode<string> {
  return { kind: TreeNodeKind.GROUP, id, name: id.toUpperCase(), brokenInheritance, assignments };
}

function system(id: string, assignments: string[] = [], brokenInheritance = false): ChainNode<string> {
  return { kind: TreeNodeKind.SYSTEM, id, name: id.toUpperCase(), brokenInheritance, assignments };
}

/** [assignment, fromNode id, inheritanceBrokenAt id] for compact expectations. */
function summary(chain: ChainNode<string>[]): [string, string, string | null][] {
  return effectiveAssignments(chain).map((entry) => [entry.assignment, entry.fromNode.id, entry.inheritanceBrokenAt?.id ?? null]);
}

describe('effectiveAssignments', () => {
  it('returns nothing for an empty chain or a chain without assignments', () => {
    expect(effectiveAssignments([])).toEqual([]);
    expect(effectiveAssignments([group('root'), group('a'), system('s')])).toEqual([]);
  });

  it('inherits every assignment from the root down to the system, root-most first, in each node’s order', () => {
    const chain = [group('root', ['r1', 'r2']), group('a', ['a1']), group('b'), group('c', ['c1', 'c2']), system('s', ['s1'])];
    expect(summary(chain)).toEqual([
      ['r1', 'root', null],
      ['r2', 'root', null],
      ['a1', 'a', null],
      ['c1', 'c', null],
      ['c2', 'c', null],
      ['s1', 's', null],
    ]);
    const entries = effectiveAssignments(chain);
    expect(entries.map((entry) => entry.fromDepth)).toEqual([0, 0, 1, 3, 3, 4]);
    expect(entries[2]!.fromNode).toBe(chain[1]);
  });

  it('gives a node whose inheritance is broken nothing from its ancestors, but keeps its own and everything below', () => {
    const chain = [group('root', ['r1']), group('a', ['a1']), group('b', ['b1'], true), group('c', ['c1']), system('s', ['s1'])];
    expect(summary(chain)).toEqual([
      ['b1', 'b', 'b'],
      ['c1', 'c', 'b'],
      ['s1', 's', 'b'],
    ]);
  });

  it('uses the deepest break when inheritance is broken at several nodes', () => {
    const chain = [group('root', ['r1']), group('a', ['a1'], true), group('b', ['b1']), group('c', ['c1'], true), system('s', ['s1'])];
    expect(summary(chain)).toEqual([
      ['c1', 'c', 'c'],
      ['s1', 's', 'c'],
    ]);
  });

  it('reports the break even when the breaking node has no assignments of its own', () => {
    const chain = [group('root', ['r1']), group('a', [], true), group('b', ['b1']), system('s')];
    expect(summary(chain)).toEqual([['b1', 'b', 'a']]);
  });

  it('lets a system break inheritance for itself: only its own assignments remain', () => {
    expect(summary([group('root', ['r1']), group('a', ['a1']), system('s', ['s1', 's2'], true)])).toEqual([
      ['s1', 's', 's'],
      ['s2', 's', 's'],
    ]);
    expect(summary([group('root', ['r1']), system('s', [], true)])).toEqual([]);
  });

  it('ignores a break flag on the root, which has nothing to inherit', () => {
    expect(summary([group('root', ['r1'], true), system('s', ['s1'])])).toEqual([
      ['r1', 'root', null],
      ['s1', 's', null],
    ]);
  });

  it('keeps the same task assigned at two levels as two entries, one per assignment', () => {
    expect(summary([group('root', ['task@root']), group('a', ['task@a']), system('s')])).toEqual([
      ['task@root', 'root', null],
      ['task@a', 'a', null],
    ]);
  });

  it('evaluates each chain on its own: a sibling’s break does not affect another branch', () => {
    const root = group('root', ['r1']);
    const left = group('left', ['l1'], true);
    const right = group('right', ['x1']);
    expect(summary([root, left, system('s1')])).toEqual([['l1', 'left', 'left']]);
    expect(summary([root, right, system('s2')])).toEqual([
      ['r1', 'root', null],
      ['x1', 'right', null],
    ]);
  });
});

describe('groupChain', () => {
  const groups = new Map(
    [
      { id: 'root', parentId: null },
      { id: 'a', parentId: 'root' },
      { id: 'b', parentId: 'a' },
      { id: 'c', parentId: 'b' },
      { id: 'x', parentId: 'root' },
    ].map((entry) => [entry.id, entry]),
  );

  it('walks from a group up to the root and returns the chain root first', () => {
    expect(groupChain(groups, 'c').map((entry) => entry.id)).toEqual(['root', 'a', 'b', 'c']);
    expect(groupChain(groups, 'x').map((entry) => entry.id)).toEqual(['root', 'x']);
    expect(groupChain(groups, 'root').map((entry) => entry.id)).toEqual(['root']);
  });

  it('returns nothing for an unknown group, and stops at a missing parent or a cycle', () => {
    expect(groupChain(groups, 'nope')).toEqual([]);
    const broken = new Map([
      ['orphan', { id: 'orphan', parentId: 'gone' }],
      ['p', { id: 'p', parentId: 'q' }],
      ['q', { id: 'q', parentId: 'p' }],
    ]);
    expect(groupChain(broken, 'orphan').map((entry) => entry.id)).toEqual(['orphan']);
    expect(groupChain(broken, 'p').map((entry) => entry.id)).toEqual(['q', 'p']);
  });
});

describe('validateSchedule', () => {
  const fieldOf = (input: Parameters<typeof validateSchedule>[0]): string | undefined => {
    try {
      validateSchedule(input);
    } catch (error) {
      expect(error).toBeInstanceOf(BadInputError);
      return (error as BadInputError).field;
    }
    return undefined;
  };

  it('normalizes each kind, defaulting timeBasis to LOCAL and everyNDays to 1', () => {
    expect(validateSchedule({ kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30' })).toEqual({ kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', everyNDays: 1, timeBasis: TimeBasis.LOCAL });
    expect(validateSchedule({ kind: ScheduleKind.IMMEDIATELY, timeBasis: null, weekdays: null })).toEqual({ kind: ScheduleKind.IMMEDIATELY, timeBasis: TimeBasis.LOCAL });
    expect(
      validateSchedule({
        kind: ScheduleKind.WEEKLY,
        startAt: '2026-12-01T09:30:00Z',
        timeBasis: TimeBasis.UTC,
        weekdays: [Weekday.FRIDAY, Weekday.MONDAY],
        endDate: '2027-01-31',
        randomizationMinutes: 1380,
        runMissed: true,
        runMissedDelayMinutes: 15,
        stopAfterMinutes: 60,
      }),
    ).toEqual({
      kind: ScheduleKind.WEEKLY,
      startAt: '2026-12-01T09:30:00Z',
      timeBasis: TimeBasis.UTC,
      weekdays: [Weekday.MONDAY, Weekday.FRIDAY],
      endDate: '2027-01-31',
      randomizationMinutes: 1380,
      runMissed: true,
      runMissedDelayMinutes: 15,
      stopAfterMinutes: 60,
    });
    expect(validateSchedule({ kind: ScheduleKind.MONTHLY, startAt: '2026-12-01T00:00', dayOfMonth: 31 }).dayOfMonth).toBe(31);
    expect(validateSchedule({ kind: ScheduleKind.MONTHLY, startAt: '2026-12-01T00:00', nthWeekday: { occurrence: -1, weekday: Weekday.FRIDAY } }).nthWeekday).toEqual({ occurrence: -1, weekday: Weekday.FRIDAY });
    expect(validateSchedule({ kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:30:00+05:30', timeBasis: TimeBasis.UTC, randomizationMinutes: 1 }).randomizationMinutes).toBe(1);
  });

  it.each<[string, Parameters<typeof validateSchedule>[0]]>([
    ['schedule.kind', { kind: 'HOURLY' as ScheduleKind, startAt: '2026-12-01T09:30' }],
    ['schedule.timeBasis', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:30', timeBasis: 'MARS' as TimeBasis }],
    ['schedule.startAt', { kind: ScheduleKind.ONCE }],
    ['schedule.startAt', { kind: ScheduleKind.ONCE, startAt: 'tomorrow' }],
    ['schedule.startAt', { kind: ScheduleKind.ONCE, startAt: '2026-02-30T09:00' }],
    ['schedule.startAt', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T24:00' }],
    ['schedule.startAt', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:00Z' }],
    ['schedule.startAt', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:00', timeBasis: TimeBasis.UTC }],
    ['schedule.startAt', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:00+25:00', timeBasis: TimeBasis.UTC }],
    ['schedule.everyNDays', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', everyNDays: 0 }],
    ['schedule.everyNDays', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', everyNDays: 1.5 }],
    ['schedule.everyNDays', { kind: ScheduleKind.WEEKLY, startAt: '2026-12-01T09:30', weekdays: [Weekday.MONDAY], everyNDays: 2 }],
    ['schedule.weekdays', { kind: ScheduleKind.WEEKLY, startAt: '2026-12-01T09:30' }],
    ['schedule.weekdays', { kind: ScheduleKind.WEEKLY, startAt: '2026-12-01T09:30', weekdays: [Weekday.MONDAY, Weekday.MONDAY] }],
    ['schedule.weekdays', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', weekdays: [Weekday.MONDAY] }],
    ['schedule.dayOfMonth', { kind: ScheduleKind.MONTHLY, startAt: '2026-12-01T09:30' }],
    ['schedule.dayOfMonth', { kind: ScheduleKind.MONTHLY, startAt: '2026-12-01T09:30', dayOfMonth: 1, nthWeekday: { occurrence: 1, weekday: Weekday.MONDAY } }],
    ['schedule.dayOfMonth', { kind: ScheduleKind.MONTHLY, startAt: '2026-12-01T09:30', dayOfMonth: 32 }],
    ['schedule.dayOfMonth', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:30', dayOfMonth: 3 }],
    ['schedule.nthWeekday', { kind: ScheduleKind.MONTHLY, startAt: '2026-12-01T09:30', nthWeekday: { occurrence: 5, weekday: Weekday.MONDAY } }],
    ['schedule.nthWeekday', { kind: ScheduleKind.MONTHLY, startAt: '2026-12-01T09:30', nthWeekday: { occurrence: 0, weekday: Weekday.MONDAY } }],
    ['schedule.endDate', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', endDate: '2026-11-30' }],
    ['schedule.endDate', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', endDate: '2026-13-01' }],
    ['schedule.endDate', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:30', endDate: '2027-01-01' }],
    ['schedule.randomizationMinutes', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:30', randomizationMinutes: 0 }],
    ['schedule.randomizationMinutes', { kind: ScheduleKind.ONCE, startAt: '2026-12-01T09:30', randomizationMinutes: 1381 }],
    ['schedule.runMissed', { kind: ScheduleKind.IMMEDIATELY, runMissed: true }],
    ['schedule.runMissedDelayMinutes', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', runMissedDelayMinutes: 5 }],
    ['schedule.runMissedDelayMinutes', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', runMissed: true, runMissedDelayMinutes: 1441 }],
    ['schedule.stopAfterMinutes', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', stopAfterMinutes: 0 }],
    ['schedule.stopAfterMinutes', { kind: ScheduleKind.DAILY, startAt: '2026-12-01T09:30', stopAfterMinutes: 10081 }],
  ])('refuses %s: %j', (field, input) => {
    expect(fieldOf(input)).toBe(field);
  });
});
