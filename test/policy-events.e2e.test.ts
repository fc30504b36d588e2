import { WorkflowNotFoundError } from '@temporalio/client';
import { generatePassword } from '../services/vault/password-policy';
import { createTestUser } from './harness/sshd';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { unlock } from './harness/vault-fixtures';

const BERLIN = 'Europe/Berlin';
const DAY = 86_400_000;
const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

const JOB = 'id state type triggerEvent dueAt scheduledFor startedAt finishedAt workflowId taskName task { id } events { kind message }';
const JOBS = `query ($filter: JobFilterInput) { jobs(first: 50, filter: $filter) { totalCount edges { node { ${JOB} } } } }`;
const GET_JOB = `query ($id: ID!) { job(id: $id) { ${JOB} } }`;
const PREVIEW = 'query ($recordId: ID!, $taskId: ID!, $count: Int!) { taskSchedulePreview(recordId: $recordId, taskId: $taskId, count: $count) { event due runAt localDue } }';
const CREATE_TYPE = 'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id tasks { id name version } } } }';
const CREATE_RECORD = 'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id version } } }';
const UPDATE_RECORD = 'mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id version } } }';
const DELETE_RECORD = 'mutation ($input: RecordRefInput!) { deleteRecord(input: $input) { id } }';
const ADD_TYPE_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id name version } } }';
const ADD_RECORD_TASK = 'mutation ($input: AddRecordTaskInput!) { addRecordTask(input: $input) { task { id } } }';
const UPDATE_TASK = 'mutation ($input: UpdateTaskInput!) { updateTask(input: $input) { task { id name version } } }';
const REMOVE_TASK = 'mutation ($input: TaskRefInput!) { removeTask(input: $input) { taskId } }';
const MAKE_UNIQUE = 'mutation ($input: RecordRefInput!) { makeRecordTasksUnique(input: $input) { record { id tasksUnique } } }';
const RESET = 'mutation ($input: RecordRefInput!) { resetRecordTasks(input: $input) { record { id tasksUnique } } }';
const RECORD_TASKS = 'query ($id: ID!) { record(id: $id) { tasks { source task { id name version } } } }';
const RUN_JOB = 'mutation ($input: JobActionInput!) { runJob(input: $input) { job { id state type } } }';
const CANCEL_JOB = 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { id state } } }';
/** How a cancelled job's workflow ends: cancelled, or never started because its start still waited in the outbox for its time. */
const NOT_RUNNING = ['CANCELLED', 'NOT_FOUND'];
const SCHEDULE_RUN = 'mutation ($input: ScheduleTaskRunInput!) { scheduleTaskRun(input: $input) { job { id workflowId } } }';

interface Job {
  id: string;
  state: string;
  type: string;
  triggerEvent: string | null;
  dueAt: string | null;
  scheduledFor: string;
  startedAt: string | null;
  finishedAt: string | null;
  workflowId: string;
  taskName: string;
  task: { id: string } | null;
  events: { kind: string; message: string }[];
}

interface Occurrence {
  event: string;
  due: string;
  runAt: string;
  localDue: string;
}

interface TaskSpec {
  name: string;
  script?: string;
  policyEvents: string[];
  schedule?: Record<string, unknown>;
  minutesAfterUnlock?: number;
  timeWindow?: { cron: string; timeZone: string };
}

// ---------------------------------------------------------------------------------------------
// Calendar helpers, independent of the product's occurrence module

function localDate(instant: Date | string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

function localTimeOfDay(instant: Date | string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(instant));
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date. */
function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY;
}

function weekdayOf(date: string): string {
  return WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()]!;
}

function isLastDayOfMonth(date: string): boolean {
  return localDate(new Date(Date.parse(`${date}T12:00:00Z`) + DAY), 'UTC').endsWith('-01');
}

/** The last Sunday of March: Europe/Berlin jumps from 02:00 to 03:00, so 02:30 does not exist. */
function isBerlinSpringForward(date: string): boolean {
  return date.slice(5, 7) === '03' && weekdayOf(date) === 'SUNDAY' && Number(date.slice(8, 10)) >= 25;
}

/** The first instant at or after `after` whose UTC time is hour:00. */
function nextUtcHour(after: number, hour: number): number {
  const day = new Date(after);
  let candidate = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour, 0, 0);
  if (candidate < after) candidate += DAY;
  return candidate;
}

describe('policy events end to end', () => {
  let stack: StewardStack;
  let admin: string;
  const accounts: { remove(): Promise<void> }[] = [];
  const cleanup: string[] = [];
  /** The unlock job the time-window test leaves waiting for its window. */
  let waitingJobId: string;

  async function ok<T = any>(query: string, variables: Record<string, unknown>): Promise<T> {
    const result = await stack.graphql<any>(query, variables, admin);
    if (!result.data || result.errors) throw new Error(`expected success, got ${JSON.stringify(result.errors)}`);
    return Object.values(result.data)[0] as T;
  }

  async function createType(tasks: TaskSpec[]): Promise<{ id: string; task: (name: string) => { id: string; version: number } }> {
    const created = await ok<any>(CREATE_TYPE, { input: { name: uniqueName('policies'), tasks: tasks.map((task) => ({ script: 'VERIFY_PASSWORD', ...task })) } });
    const list: { id: string; name: string; version: number }[] = created.recordType.tasks;
    return {
      id: created.recordType.id,
      task: (name) => {
        const found = list.find((task) => task.name === name);
        if (!found) throw new Error(`no task ${name}`);
        return found;
      },
    };
  }

  /** A record of the type; with `real`, it holds a real account on the test sshd, so Verify Password completes. */
  async function createRecord(recordTypeId: string, options: { timeZone: string; real?: boolean }): Promise<{ id: string; version: number }> {
    const env = testEnvironment();
    let username = 'nobody';
    const password = generatePassword();
    if (options.real) {
      const account = await createTestUser(password);
      accounts.push(account);
      username = account.username;
    }
    const created = await ok<any>(CREATE_RECORD, {
      input: {
        recordTypeId,
        name: uniqueName(username),
        host: env.sshdHost,
        port: env.sshdPort,
        username,
        password,
        hostKeyFingerprint: env.sshdFingerprint,
        timeZone: options.timeZone,
      },
    });
    cleanup.push(created.record.id);
    return created.record;
  }

  async function jobsOf(recordId: string, filter: Record<string, unknown> = {}): Promise<Job[]> {
    return (await ok<any>(JOBS, { filter: { recordId, ...filter } })).edges.map((edge: any) => edge.node);
  }

  async function upcoming(recordId: string): Promise<Job[]> {
    return jobsOf(recordId, { states: ['SCHEDULED'] });
  }

  async function getJob(id: string): Promise<Job> {
    return ok<Job>(GET_JOB, { id });
  }

  async function finished(id: string, timeoutMs: number): Promise<Job> {
    return eventually(async () => {
      const job = await getJob(id);
      return ['COMPLETED', 'ERROR', 'CANCELLED'].includes(job.state) ? job : undefined;
    }, timeoutMs, `job ${id} to finish`);
  }

  async function preview(recordId: string, taskId: string, count: number): Promise<Occurrence[]> {
    return ok<Occurrence[]>(PREVIEW, { recordId, taskId, count });
  }

  async function errorCode(query: string, variables: Record<string, unknown>): Promise<string | undefined> {
    return (await stack.graphql<any>(query, variables, admin)).errors?.[0]?.extensions?.code;
  }

  /** The workflow's status once it is no longer running (NOT_FOUND when Temporal does not know it). */
  async function workflowClosed(workflowId: string, timeoutMs = 30_000): Promise<string> {
    const handle = stack.client.workflow.getHandle(workflowId);
    return eventually(async () => {
      try {
        const { status } = await handle.describe();
        return status.name === 'RUNNING' ? undefined : status.name;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
        throw error;
      }
    }, timeoutMs, `workflow ${workflowId} to close`).catch(async (error: Error) => {
      // Say what keeps it open: typically an activity retrying.
      const { raw } = await handle.describe();
      const pending = (raw.pendingActivities ?? []).map(
        (activity) => `${activity.activityType?.name} attempt ${activity.attempt}: ${activity.lastFailure?.message ?? 'no failure yet'}`,
      );
      throw new Error(`${error.message}; it is still running${pending.length ? `, pending ${pending.join('; ')}` : ''}`);
    });
  }

  async function rowCounts(): Promise<Record<string, number>> {
    const connection = stack.orm.em.fork().getConnection();
    const counts: Record<string, number> = {};
    // Refused calls are audited with their outcome; what must not appear is a successful change.
    for (const table of ['record_types', 'tasks', 'records', 'jobs', "audit_events where outcome = 'SUCCESS'"]) {
      const [row] = await connection.execute<{ count: string }[]>(`select count(*) from ${table}`);
      counts[table] = Number(row!.count);
    }
    return counts;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    for (const recordId of cleanup) await stack?.graphql(DELETE_RECORD, { input: { recordId } }, admin).catch(() => undefined);
    for (const account of accounts) await account.remove();
    await stack?.stop();
  });

  describe('recurring events', () => {
    it('each keeps exactly one upcoming Scheduled job, at the first time taskSchedulePreview shows, in the record’s time zone', async () => {
      const today = localDate(new Date(), BERLIN);
      const weekday = WEEKDAYS[(new Date(`${today}T12:00:00Z`).getUTCDay() + 2) % 7]!;
      const tasks: (TaskSpec & { check: (dates: string[]) => void })[] = [
        {
          name: 'Weekly',
          policyEvents: ['EVERY_WEEKDAY'],
          schedule: { timeOfDay: '02:30', weekdays: [weekday] },
          check: (dates) => {
            for (const date of dates) expect(weekdayOf(date)).toBe(weekday);
            expect(dayNumber(dates[0]!) - dayNumber(today)).toBeLessThanOrEqual(7);
            for (let i = 1; i < dates.length; i++) expect(dayNumber(dates[i]!) - dayNumber(dates[i - 1]!)).toBe(7);
          },
        },
        {
          name: 'Monthly on the 31st',
          policyEvents: ['EVERY_DAY_OF_MONTH'],
          schedule: { timeOfDay: '02:30', dayOfMonth: 31 },
          // The 31st, or the month's last day in shorter months: one run a month.
          check: (dates) => {
            for (const date of dates) expect(isLastDayOfMonth(date)).toBe(true);
            expect(new Set(dates.map((date) => date.slice(0, 7))).size).toBe(dates.length);
          },
        },
        {
          name: 'Every 3 days',
          policyEvents: ['EVERY_N_DAYS'],
          schedule: { timeOfDay: '02:30', intervalDays: 3, anchorDate: today },
          check: (dates) => {
            expect([0, 3]).toContain(dayNumber(dates[0]!) - dayNumber(today));
            for (let i = 1; i < dates.length; i++) expect(dayNumber(dates[i]!) - dayNumber(dates[i - 1]!)).toBe(3);
          },
        },
        {
          name: '5 to 9 days',
          policyEvents: ['EVERY_X_TO_Y_DAYS'],
          schedule: { timeOfDay: '02:30', minDays: 5, maxDays: 9 },
          check: (dates) => {
            const gaps = [dayNumber(dates[0]!) - dayNumber(today), ...dates.slice(1).map((date, i) => dayNumber(date) - dayNumber(dates[i]!))];
            for (const gap of gaps) {
              expect(gap).toBeGreaterThanOrEqual(5);
              expect(gap).toBeLessThanOrEqual(9);
            }
          },
        },
      ];
      const type = await createType(tasks.map((task) => ({ name: task.name, policyEvents: task.policyEvents, schedule: task.schedule })));
      const record = await createRecord(type.id, { timeZone: BERLIN });

      const jobs = await jobsOf(record.id);
      expect(jobs).toHaveLength(tasks.length);
      for (const task of tasks) {
        const taskId = type.task(task.name).id;
        const own = jobs.filter((job) => job.task?.id === taskId);
        expect(own).toHaveLength(1);
        const [job] = own;
        expect(job).toMatchObject({ state: 'SCHEDULED', type: 'SCHEDULED', triggerEvent: task.policyEvents[0] });
        expect(job!.events[0]).toMatchObject({ kind: 'SCHEDULED', message: expect.stringMatching(new RegExp(`^Recurring \\(${task.policyEvents[0]}\\)`)) });

        const occurrences = await preview(record.id, taskId, 5);
        expect(occurrences).toHaveLength(5);
        expect(Date.parse(job!.scheduledFor)).toBe(Date.parse(occurrences[0]!.runAt));
        expect(Date.parse(job!.dueAt!)).toBe(Date.parse(occurrences[0]!.due));

        const dues = occurrences.map((occurrence) => Date.parse(occurrence.due));
        expect(dues[0]).toBeGreaterThan(Date.now());
        for (let i = 1; i < dues.length; i++) expect(dues[i]).toBeGreaterThan(dues[i - 1]!);
        for (const occurrence of occurrences) {
          expect(occurrence.event).toBe(task.policyEvents[0]);
          expect(occurrence.runAt).toBe(occurrence.due);
          const date = localDate(occurrence.due, BERLIN);
          const time = localTimeOfDay(occurrence.due, BERLIN);
          // 02:30 local; on the spring-forward day 02:30 does not exist and the run is when clocks jump (03:00).
          expect(time === '02:30' || (time === '03:00' && isBerlinSpringForward(date))).toBe(true);
          expect(occurrence.localDue).toBe(`${date} ${time} ${BERLIN}`);
        }
        task.check(occurrences.map((occurrence) => localDate(occurrence.due, BERLIN)));
      }
    });

    describe('an occurrence that comes due', () => {
      let recordId: string;
      let firstDue: number;

      it('runs, and when it starts the next occurrence appears as a new Scheduled job one interval later', async () => {
        // Due at the start of a minute 45 to 105 seconds from now, every day, in UTC.
        firstDue = Math.ceil((Date.now() + 45_000) / 60_000) * 60_000;
        const type = await createType([
          {
            name: 'Daily',
            policyEvents: ['EVERY_N_DAYS'],
            schedule: { timeOfDay: localTimeOfDay(new Date(firstDue), 'UTC'), intervalDays: 1, anchorDate: localDate(new Date(Date.now() - DAY), 'UTC') },
          },
        ]);
        recordId = (await createRecord(type.id, { timeZone: 'UTC', real: true })).id;

        const [first, ...others] = await upcoming(recordId);
        expect(others).toEqual([]);
        expect(first).toMatchObject({ state: 'SCHEDULED', type: 'SCHEDULED', triggerEvent: 'EVERY_N_DAYS' });
        expect(Date.parse(first!.dueAt!)).toBe(firstDue);
        expect(Date.parse(first!.scheduledFor)).toBe(firstDue);

        const ran = await finished(first!.id, 180_000);
        expect(ran).toMatchObject({ state: 'COMPLETED', type: 'SCHEDULED' });
        expect(Date.parse(ran.startedAt!)).toBeGreaterThanOrEqual(firstDue);

        const [next, ...more] = await upcoming(recordId);
        expect(more).toEqual([]);
        expect(next!.id).not.toBe(first!.id);
        expect(next).toMatchObject({ state: 'SCHEDULED', type: 'SCHEDULED', triggerEvent: 'EVERY_N_DAYS' });
        expect(Date.parse(next!.dueAt!)).toBe(firstDue + DAY);
      }, 240_000);

      it('cancelling an occurrence skips it: the following one is scheduled', async () => {
        const [next] = await upcoming(recordId);
        expect(Date.parse(next!.dueAt!)).toBe(firstDue + DAY);
        const cancelled = await ok<any>(CANCEL_JOB, { input: { jobId: next!.id } });
        expect(cancelled.job.state).toBe('CANCELLED');
        // Due in a day, its start still waits in the outbox for its time, unless the day's occurrence is within the dispatcher's lead.
        expect(NOT_RUNNING).toContain(await workflowClosed(next!.workflowId));

        const [following, ...more] = await upcoming(recordId);
        expect(more).toEqual([]);
        expect(following).toMatchObject({ type: 'SCHEDULED', triggerEvent: 'EVERY_N_DAYS' });
        expect(Date.parse(following!.dueAt!)).toBe(firstDue + 2 * DAY);
      });

      it('Run on an upcoming occurrence runs it now, and the occurrence after it is scheduled', async () => {
        const [occurrence] = await upcoming(recordId);
        expect(Date.parse(occurrence!.dueAt!)).toBe(firstDue + 2 * DAY);
        const ran = await ok<any>(RUN_JOB, { input: { jobId: occurrence!.id } });
        expect(ran.job.type).toBe('MANUAL_RUN');
        expect((await finished(occurrence!.id, 90_000)).state).toBe('COMPLETED');

        // The recurrence goes on: exactly one upcoming occurrence, one interval after the one that ran.
        const following = await eventually(async () => {
          const jobs = await upcoming(recordId);
          return jobs.length > 0 ? jobs : undefined;
        }, 15_000, 'the next occurrence after a Run').catch(() => [] as Job[]);
        expect(following.map((job) => [job.type, job.triggerEvent, Date.parse(job.dueAt ?? '')])).toEqual([
          ['SCHEDULED', 'EVERY_N_DAYS', firstDue + 3 * DAY],
        ]);
      }, 150_000);
    });
  });

  describe('time windows', () => {
    /** An hour of the day (UTC) about twelve hours from now: the window is surely closed for the next hour. */
    const windowHour = (new Date().getUTCHours() + 12) % 24;
    const window = { cron: `0 ${windowHour} * * *`, timeZone: 'UTC' };

    it('a job due outside its window waits for the next opening; Job History shows when it will run', async () => {
      const type = await createType([
        { name: 'Unlock, in window', policyEvents: ['AFTER_UNLOCK'], minutesAfterUnlock: 1, timeWindow: window },
        { name: 'Daily, in window', policyEvents: ['EVERY_N_DAYS'], schedule: { timeOfDay: `${String((windowHour + 6) % 24).padStart(2, '0')}:15`, intervalDays: 1, anchorDate: '2024-01-01' }, timeWindow: window },
      ]);
      const record = await createRecord(type.id, { timeZone: 'UTC', real: true });

      // A recurring occurrence: due at its time of day, run at the window's next opening.
      const [recurring] = await jobsOf(record.id, { taskId: type.task('Daily, in window').id });
      const [occurrence] = await preview(record.id, type.task('Daily, in window').id, 1);
      expect(Date.parse(recurring!.dueAt!)).toBe(Date.parse(occurrence!.due));
      expect(Date.parse(recurring!.scheduledFor)).toBe(Date.parse(occurrence!.runAt));
      expect(Date.parse(recurring!.scheduledFor)).toBe(nextUtcHour(Date.parse(recurring!.dueAt!), windowHour));
      expect(recurring!.events[0]!.message).toContain(`outside the time window: runs when it opens at ${new Date(occurrence!.runAt).toISOString()}`);

      // An unlock: due a minute later, run when the window opens.
      const before = Date.now();
      await unlock(stack, admin, record.id);
      const after = Date.now();
      const [job, ...others] = await jobsOf(record.id, { taskId: type.task('Unlock, in window').id });
      expect(others).toEqual([]);
      expect(job).toMatchObject({ state: 'SCHEDULED', type: 'EVENT', triggerEvent: 'AFTER_UNLOCK' });
      const dueAt = Date.parse(job!.dueAt!);
      expect(dueAt).toBeGreaterThanOrEqual(before + 60_000 - 1000);
      expect(dueAt).toBeLessThanOrEqual(after + 60_000 + 1000);
      const runAt = nextUtcHour(dueAt, windowHour);
      expect(Date.parse(job!.scheduledFor)).toBe(runAt);
      expect(job!.events[0]).toMatchObject({
        kind: 'SCHEDULED',
        message: expect.stringContaining(`outside the time window: runs when it opens at ${new Date(runAt).toISOString()}`),
      });
      waitingJobId = job!.id;
    });

    it('refuses timing that could never work with BAD_USER_INPUT, writing nothing', async () => {
      const type = await createType([{ name: 'Good', policyEvents: ['ON_DEMAND'] }]);
      const record = await createRecord(type.id, { timeZone: BERLIN });
      await ok(MAKE_UNIQUE, { input: { recordId: record.id } });
      const good = type.task('Good');
      const bad: [string, TaskSpec][] = [
        ['malformed CRON', { name: 'Bad', policyEvents: ['ON_DEMAND'], timeWindow: { cron: 'every day at noon', timeZone: 'UTC' } }],
        ['CRON with four fields', { name: 'Bad', policyEvents: ['ON_DEMAND'], timeWindow: { cron: '* * * *', timeZone: 'UTC' } }],
        ['CRON minute out of range', { name: 'Bad', policyEvents: ['ON_DEMAND'], timeWindow: { cron: '61 * * * *', timeZone: 'UTC' } }],
        ['a window that never opens', { name: 'Bad', policyEvents: ['ON_DEMAND'], timeWindow: { cron: '0 0 30 2 *', timeZone: 'UTC' } }],
        ['an unknown window time zone', { name: 'Bad', policyEvents: ['ON_DEMAND'], timeWindow: { cron: '* * * * *', timeZone: 'Mars/Olympus_Mons' } }],
        ['dayOfMonth 32', { name: 'Bad', policyEvents: ['EVERY_DAY_OF_MONTH'], schedule: { dayOfMonth: 32 } }],
        ['dayOfMonth 0', { name: 'Bad', policyEvents: ['EVERY_DAY_OF_MONTH'], schedule: { dayOfMonth: 0 } }],
        ['x > y', { name: 'Bad', policyEvents: ['EVERY_X_TO_Y_DAYS'], schedule: { minDays: 9, maxDays: 5 } }],
        ['intervalDays 0', { name: 'Bad', policyEvents: ['EVERY_N_DAYS'], schedule: { intervalDays: 0, anchorDate: '2025-01-01' } }],
        ['a date that does not exist', { name: 'Bad', policyEvents: ['EVERY_N_DAYS'], schedule: { intervalDays: 2, anchorDate: '2025-02-30' } }],
        ['time of day 24:00', { name: 'Bad', policyEvents: ['EVERY_WEEKDAY'], schedule: { timeOfDay: '24:00', weekdays: ['MONDAY'] } }],
        ['no schedule', { name: 'Bad', policyEvents: ['EVERY_DAY_OF_MONTH'] }],
        ['no weekdays', { name: 'Bad', policyEvents: ['EVERY_WEEKDAY'], schedule: { timeOfDay: '02:30' } }],
        ['no weekday at all', { name: 'Bad', policyEvents: ['EVERY_WEEKDAY'], schedule: { weekdays: [] } }],
        ['no anchorDate', { name: 'Bad', policyEvents: ['EVERY_N_DAYS'], schedule: { intervalDays: 3 } }],
        ['no maxDays', { name: 'Bad', policyEvents: ['EVERY_X_TO_Y_DAYS'], schedule: { minDays: 5 } }],
        ['AFTER_UNLOCK without minutes', { name: 'Bad', policyEvents: ['AFTER_UNLOCK'] }],
        ['minutes without AFTER_UNLOCK', { name: 'Bad', policyEvents: ['ON_DEMAND'], minutesAfterUnlock: 5 }],
        ['no policy event', { name: 'Bad', policyEvents: [] }],
      ];

      const counts = await rowCounts();
      for (const [what, spec] of bad) {
        const task = { script: 'VERIFY_PASSWORD', ...spec };
        const attempts = {
          addRecordTypeTask: await errorCode(ADD_TYPE_TASK, { input: { recordTypeId: type.id, task } }),
          addRecordTask: await errorCode(ADD_RECORD_TASK, { input: { recordId: record.id, task } }),
          updateTask: await errorCode(UPDATE_TASK, { input: { taskId: good.id, version: good.version, task } }),
          createRecordType: await errorCode(CREATE_TYPE, { input: { name: uniqueName('bad'), tasks: [task] } }),
        };
        expect([what, attempts]).toEqual([what, { addRecordTypeTask: 'BAD_USER_INPUT', addRecordTask: 'BAD_USER_INPUT', updateTask: 'BAD_USER_INPUT', createRecordType: 'BAD_USER_INPUT' }]);
      }
      const badZone = { recordTypeId: type.id, name: uniqueName('zone'), host: '127.0.0.1', username: 'nobody', password: 'x', hostKeyFingerprint: testEnvironment().sshdFingerprint, timeZone: 'Mars/Olympus' };
      expect(await errorCode(CREATE_RECORD, { input: badZone })).toBe('BAD_USER_INPUT');
      const { version } = await ok<any>('query ($id: ID!) { record(id: $id) { version } }', { id: record.id });
      expect(await errorCode(UPDATE_RECORD, { input: { recordId: record.id, version, timeZone: 'Mars/Olympus' } })).toBe('BAD_USER_INPUT');

      expect(await rowCounts()).toEqual(counts);
      const types = await ok<any>('query ($id: ID!) { recordType(id: $id) { tasks { id name version } } }', { id: type.id });
      expect(types.tasks).toEqual([{ id: good.id, name: 'Good', version: good.version }]);
    });
  });

  describe('n minutes after unlock', () => {
    // A later unlock used to cancel the waiting job and queue one n minutes after itself, so
    // unlocking often enough held the rotation off forever. Now the first reveal's job stands.
    it('queues an Event job n minutes later; a second unlock keeps it, not postponed; the job runs and completes', async () => {
      const type = await createType([{ name: 'After unlock', policyEvents: ['AFTER_UNLOCK'], minutesAfterUnlock: 1 }]);
      const record = await createRecord(type.id, { timeZone: BERLIN, real: true });
      expect(await jobsOf(record.id)).toEqual([]);

      const firstUnlock = Date.now();
      await unlock(stack, admin, record.id);
      const [first, ...others] = await jobsOf(record.id);
      expect(others).toEqual([]);
      expect(first).toMatchObject({ state: 'SCHEDULED', type: 'EVENT', triggerEvent: 'AFTER_UNLOCK' });
      expect(Date.parse(first!.dueAt!) - firstUnlock).toBeGreaterThanOrEqual(59_000);
      expect(Date.parse(first!.dueAt!) - firstUnlock).toBeLessThanOrEqual(62_000);
      expect(first!.scheduledFor).toBe(first!.dueAt);

      await unlock(stack, admin, record.id);
      const kept = await getJob(first!.id);
      expect(kept).toMatchObject({ state: 'SCHEDULED', dueAt: first!.dueAt, scheduledFor: first!.scheduledFor });
      expect((await upcoming(record.id)).map((job) => job.id)).toEqual([first!.id]);

      const done = await finished(first!.id, 120_000);
      expect(done).toMatchObject({ state: 'COMPLETED', type: 'EVENT' });
      expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(first!.dueAt!));
      expect((await jobsOf(record.id)).map((job) => job.state)).toEqual(['COMPLETED']);
    }, 200_000);

    it('meanwhile, the unlock job outside its time window is still waiting, past its due time', async () => {
      // Queued by the time-window test above more than a minute ago.
      const waiting = await getJob(waitingJobId);
      expect(Date.parse(waiting.dueAt!)).toBeLessThan(Date.now());
      expect(waiting.state).toBe('SCHEDULED');
      expect(waiting.startedAt).toBeNull();
      // Its workflow starts shortly before the window opens: until then its start waits in the outbox.
      const [start] = await stack.orm.em.fork().execute<{ due_at: Date; delivered_at: Date | null }[]>('select due_at, delivered_at from engine_outbox where subject_id = ?', [waitingJobId]);
      expect(start).toMatchObject({ delivered_at: null });
      expect(new Date(start!.due_at).getTime()).toBe(Date.parse(waiting.scheduledFor) - 15 * 60_000);
      await ok(CANCEL_JOB, { input: { jobId: waitingJobId } });
    });
  });

  describe('after creating or updating a record', () => {
    it('createRecord and updateRecord each create an Event job that runs to Completed', async () => {
      const type = await createType([{ name: 'After change', policyEvents: ['AFTER_RECORD_CHANGE'] }]);
      const record = await createRecord(type.id, { timeZone: BERLIN, real: true });
      const [created, ...others] = await jobsOf(record.id);
      expect(others).toEqual([]);
      expect(created).toMatchObject({ type: 'EVENT', triggerEvent: 'AFTER_RECORD_CHANGE', task: { id: type.task('After change').id } });
      expect(created!.events[0]!.message).toMatch(/created the record/);
      expect((await finished(created!.id, 60_000)).state).toBe('COMPLETED');

      await ok(UPDATE_RECORD, { input: { recordId: record.id, version: record.version, name: uniqueName('renamed') } });
      const jobs = await jobsOf(record.id);
      expect(jobs).toHaveLength(2);
      const updated = jobs.find((job) => job.id !== created!.id)!;
      expect(updated).toMatchObject({ type: 'EVENT', triggerEvent: 'AFTER_RECORD_CHANGE' });
      expect(updated.events[0]!.message).toMatch(/updated the record/);
      expect((await finished(updated.id, 60_000)).state).toBe('COMPLETED');
    }, 150_000);
  });

  describe('changing configuration under running schedules', () => {
    let recordTypeId: string;
    let weekly: { id: string; version: number };
    let inheriting: string;
    let unique: string;

    async function theUpcoming(recordId: string): Promise<Job> {
      const jobs = await upcoming(recordId);
      expect(jobs).toHaveLength(1);
      return jobs[0]!;
    }

    async function expectRescheduled(old: Job, reason: RegExp): Promise<void> {
      const job = await getJob(old.id);
      expect(job.state).toBe('CANCELLED');
      expect(job.events.at(-1)).toMatchObject({ kind: 'CANCELLED', message: expect.stringMatching(/^Rescheduled/) });
      expect(job.events.at(-1)!.message).toMatch(reason);
      expect(NOT_RUNNING).toContain(await workflowClosed(old.workflowId));
    }

    beforeAll(async () => {
      const type = await createType([{ name: 'Weekly', policyEvents: ['EVERY_WEEKDAY'], schedule: { timeOfDay: '02:30', weekdays: ['MONDAY'] } }]);
      recordTypeId = type.id;
      weekly = type.task('Weekly');
      inheriting = (await createRecord(type.id, { timeZone: BERLIN })).id;
      unique = (await createRecord(type.id, { timeZone: BERLIN })).id;
    });

    it('Make Unique and Reset replace the upcoming job with one for the tasks that now apply', async () => {
      const before = await theUpcoming(unique);
      expect(before.task!.id).toBe(weekly.id);

      await ok(MAKE_UNIQUE, { input: { recordId: unique } });
      await expectRescheduled(before, /made unique/);
      const own = (await ok<any>(RECORD_TASKS, { id: unique })).tasks[0].task;
      const afterUnique = await theUpcoming(unique);
      expect(afterUnique.task!.id).toBe(own.id);
      expect(afterUnique.dueAt).toBe(before.dueAt);

      await ok(RESET, { input: { recordId: unique } });
      await expectRescheduled(afterUnique, /inherits/);
      const afterReset = await theUpcoming(unique);
      expect(afterReset.task!.id).toBe(weekly.id);
      expect(afterReset.dueAt).toBe(before.dueAt);

      // Unique again, for the next test: its own copy keeps its own schedule.
      await ok(MAKE_UNIQUE, { input: { recordId: unique } });
    });

    it('editing a type’s task (another weekday) reschedules records that inherit it, and only those', async () => {
      const old = await theUpcoming(inheriting);
      const uniqueJob = await theUpcoming(unique);
      const updated = await ok<any>(UPDATE_TASK, {
        input: { taskId: weekly.id, version: weekly.version, task: { name: 'Weekly', script: 'VERIFY_PASSWORD', policyEvents: ['EVERY_WEEKDAY'], schedule: { timeOfDay: '02:30', weekdays: ['THURSDAY'] } } },
      });
      weekly = updated.task;
      await expectRescheduled(old, /changed/);
      const replacement = await theUpcoming(inheriting);
      expect(replacement.id).not.toBe(old.id);
      expect(replacement).toMatchObject({ type: 'SCHEDULED', triggerEvent: 'EVERY_WEEKDAY', task: { id: weekly.id } });
      expect(weekdayOf(localDate(replacement.dueAt!, BERLIN))).toBe('THURSDAY');
      const [occurrence] = await preview(inheriting, weekly.id, 1);
      expect(Date.parse(replacement.scheduledFor)).toBe(Date.parse(occurrence!.runAt));

      // The unique record's own copy is untouched.
      expect(await theUpcoming(unique)).toEqual(uniqueJob);
      expect(weekdayOf(localDate(uniqueJob.dueAt!, BERLIN))).toBe('MONDAY');
    });

    it('removeTask cancels the upcoming jobs of the task, on the type and on a record', async () => {
      const typeJob = await theUpcoming(inheriting);
      await ok(REMOVE_TASK, { input: { taskId: weekly.id } });
      await expectRescheduled(typeJob, /removed/);
      expect(await upcoming(inheriting)).toEqual([]);

      const ownJob = await theUpcoming(unique);
      await ok(REMOVE_TASK, { input: { taskId: ownJob.task!.id } });
      await expectRescheduled(ownJob, /removed/);
      expect(await upcoming(unique)).toEqual([]);
    });

    it('deleteRecord cancels every open job, and their workflows end or never start: no orphan keeps firing', async () => {
      await ok(ADD_TYPE_TASK, {
        input: { recordTypeId, task: { name: 'Daily', script: 'VERIFY_PASSWORD', policyEvents: ['EVERY_N_DAYS'], schedule: { timeOfDay: '02:30', intervalDays: 1, anchorDate: '2024-01-01' } } },
      });
      const unlockTask = await ok<any>(ADD_TYPE_TASK, {
        input: { recordTypeId, task: { name: 'After unlock', script: 'VERIFY_PASSWORD', policyEvents: ['AFTER_UNLOCK'], minutesAfterUnlock: 60 } },
      });
      await unlock(stack, admin, inheriting);
      // Due within the dispatcher's lead, the one-off run has a workflow sleeping on its timer; the other two wait in the outbox for their time.
      const oneOff = await ok<any>(SCHEDULE_RUN, { input: { recordId: inheriting, taskId: unlockTask.task.id, runAt: new Date(Date.now() + 10 * 60_000).toISOString() } });
      const open = await upcoming(inheriting);
      expect(open.map((job) => [job.type, job.triggerEvent]).sort()).toEqual([
        ['EVENT', 'AFTER_UNLOCK'],
        ['SCHEDULED', null],
        ['SCHEDULED', 'EVERY_N_DAYS'],
      ]);
      expect(open.map((job) => job.id)).toContain(oneOff.job.id);

      expect(await ok<any>(DELETE_RECORD, { input: { recordId: inheriting } })).toEqual({ id: inheriting });
      for (const job of open) {
        const closed = await workflowClosed(job.workflowId);
        if (job.id === oneOff.job.id) expect(closed).toBe('CANCELLED');
        else expect(NOT_RUNNING).toContain(closed);
      }
      expect((await ok<any>(JOBS, { filter: { recordId: inheriting } })).totalCount).toBe(0);
      expect(await errorCode(GET_JOB, { id: open[0]!.id })).toBe('NOT_FOUND');

      // Nothing new starts for the deleted record.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const running = [];
      for await (const workflow of stack.client.workflow.list({ query: `StewardRecordId = "${inheriting}" AND ExecutionStatus = "Running"` })) running.push(workflow.workflowId);
      expect(running).toEqual([]);
    }, 120_000);

    it('deleteRecord ends the workflow even when its only open job is cancelled just before the rows go', async () => {
      // With a single open job the worker has the least time to settle the cancellation before the
      // record (and its Job History) is deleted; repeat so the race is actually exercised.
      const type = await createType([{ name: 'Verify', policyEvents: ['ON_DEMAND'] }]);
      const workflows: string[] = [];
      for (let i = 0; i < 6; i++) {
        const record = await createRecord(type.id, { timeZone: BERLIN });
        // Due within the dispatcher's lead, so its workflow starts at once; let it reach its durable timer first.
        const { job } = await ok<any>(SCHEDULE_RUN, { input: { recordId: record.id, taskId: type.task('Verify').id, runAt: new Date(Date.now() + 10 * 60_000).toISOString() } });
        await eventually(async () => ((await stack.client.workflow.getHandle(job!.workflowId).describe()).historyLength >= 11 ? true : undefined), 10_000, 'the job to wait on its timer');
        await ok(DELETE_RECORD, { input: { recordId: record.id } });
        workflows.push(job!.workflowId);
      }
      const statuses = await Promise.all(workflows.map((workflowId) => workflowClosed(workflowId).catch((error: Error) => error.message)));
      expect(statuses).toEqual(workflows.map(() => 'CANCELLED'));
    }, 120_000);
  });
});
