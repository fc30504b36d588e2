import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canLogin } from '../infra/ssh';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, createSuperuserRecord, type RotatableRecord, sshTarget, unlock } from './harness/vault-fixtures';

const BERLIN = 'Europe/Berlin';
const DAY = 86_400_000;
const JOB = 'id state type triggerEvent dueAt scheduledFor taskName record { id } events { message }';
const JOBS = `query ($filter: JobFilterInput) { jobs(first: 50, filter: $filter) { edges { node { ${JOB} } } } }`;
const RECORD = 'query ($id: ID!) { record(id: $id) { version recordType { id } } }';
const ADD_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }';

interface Job {
  id: string;
  state: string;
  type: string;
  triggerEvent: string | null;
  dueAt: string | null;
  scheduledFor: string;
  taskName: string;
  record: { id: string };
  events: { message: string }[];
}

function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

function localTimeOfDay(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
}

/**
 * Recurring events follow the task's Target Record, as On Demand and event jobs do: each occurrence
 * runs for the referenced (or shadow) record, while the recurrence chain stays the task's own.
 * All three chains come due in the same minute, so the test waits for one firing.
 */
describe('recurring schedules follow Target Record', () => {
  let stack: StewardStack;
  let token: string;
  const cleanups: (() => Promise<void>)[] = [];
  let firstDue: number;
  const scenarios: Record<'referenced' | 'shadow' | 'fallback', { main: RotatableRecord; other: Omit<RotatableRecord, 'taskId'>; taskId: string }> = {} as never;

  async function ok<T = any>(query: string, variables: Record<string, unknown>): Promise<T> {
    const result = await stack.graphql<any>(query, variables, token);
    if (!result.data || result.errors) throw new Error(`expected success, got ${JSON.stringify(result.errors)}`);
    return Object.values(result.data)[0] as T;
  }

  async function rotatable(options: { script?: string } = {}): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, token, options);
    cleanups.push(record.removeUser);
    return record;
  }

  /** A record holding a uid-0 account on the test host, of a type with no tasks at all. */
  async function superuserRecord(): Promise<Omit<RotatableRecord, 'taskId'>> {
    const record = await createSuperuserRecord(stack, token);
    cleanups.push(record.removeUser);
    return record;
  }

  async function reference(recordId: string, referencedRecordId: string): Promise<void> {
    const record = await ok<any>(RECORD, { id: recordId });
    await ok('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }', { input: { recordId, version: record.version, referencedRecordId } });
  }

  /** A daily reset task on the record's type, first due at `firstDue` (the records keep Berlin time). */
  async function addDailyReset(recordId: string, task: Record<string, unknown>): Promise<string> {
    const record = await ok<any>(RECORD, { id: recordId });
    const schedule = { timeOfDay: localTimeOfDay(new Date(firstDue), BERLIN), intervalDays: 1, anchorDate: localDate(new Date(firstDue - DAY), BERLIN) };
    const added = await ok<any>(ADD_TASK, {
      input: { recordTypeId: record.recordType.id, task: { script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['EVERY_N_DAYS'], schedule, ...task } },
    });
    return added.task.id;
  }

  async function jobsOf(recordId: string, states?: string[]): Promise<Job[]> {
    return (await ok<any>(JOBS, { filter: { recordId, ...(states ? { states } : {}) } })).edges.map((edge: any) => edge.node);
  }

  /** The chain's occurrence due at `due`, once it has finished. */
  async function finishedOccurrence(recordId: string, due: number): Promise<Job> {
    return eventually(
      async () => (await jobsOf(recordId, ['COMPLETED', 'ERROR', 'CANCELLED'])).find((job) => job.triggerEvent === 'EVERY_N_DAYS' && Date.parse(job.dueAt!) === due),
      150_000,
      `the occurrence due ${new Date(due).toISOString()} of record ${recordId} to finish`,
    );
  }

  /** The password works on the host, and it is the one the vault holds. */
  async function expectHolds(record: Omit<RotatableRecord, 'taskId'>, password: string): Promise<void> {
    expect(await unlock(stack, token, record.recordId)).toBe(password);
    await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);

    const referencedMain = await rotatable();
    const referenced = await rotatable();
    await reference(referencedMain.recordId, referenced.recordId);
    const shadowMain = await rotatable();
    const shadow = await rotatable();
    // The fallback rule: a shadow record (root, so it can reset the user) with no reset task of its own.
    const fallbackMain = await rotatable();
    const rootShadow = await superuserRecord();

    // Due at the start of a minute 45 to 105 seconds from now.
    firstDue = Math.ceil((Date.now() + 45_000) / 60_000) * 60_000;
    scenarios.referenced = { main: referencedMain, other: referenced, taskId: await addDailyReset(referencedMain.recordId, { name: 'Daily via reference', targetRecord: 'REFERENCED' }) };
    scenarios.shadow = { main: shadowMain, other: shadow, taskId: await addDailyReset(shadowMain.recordId, { name: 'Daily via shadow', targetRecord: 'SHADOW', shadowRecordId: shadow.recordId }) };
    scenarios.fallback = {
      main: fallbackMain,
      other: rootShadow,
      taskId: await addDailyReset(fallbackMain.recordId, { name: 'Daily as root', targetRecord: 'SHADOW', shadowRecordId: rootShadow.recordId }),
    };
  }, 120_000);

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await stack?.stop();
  });

  it('each chain has one upcoming occurrence, scheduled for the record the task targets', async () => {
    for (const [kind, { main, other }] of [['referenced', scenarios.referenced], ['shadow', scenarios.shadow]] as const) {
      expect({ kind, upcoming: await jobsOf(main.recordId, ['SCHEDULED']) }).toEqual({ kind, upcoming: [] });
      const [occurrence, ...more] = await jobsOf(other.recordId, ['SCHEDULED']);
      expect(more).toEqual([]);
      expect(occurrence).toMatchObject({ type: 'SCHEDULED', triggerEvent: 'EVERY_N_DAYS', taskName: 'Rotate password', record: { id: other.recordId } });
      expect(Date.parse(occurrence!.dueAt!)).toBe(firstDue);
      expect(occurrence!.events[0]!.message).toContain(`Scheduled for the ${kind} record`);
    }
    const [own, ...more] = await jobsOf(scenarios.fallback.main.recordId, ['SCHEDULED']);
    expect(more).toEqual([]);
    expect(own).toMatchObject({ type: 'SCHEDULED', taskName: 'Daily as root', record: { id: scenarios.fallback.main.recordId } });
    expect(own!.events[0]!.message).toMatch(/has no task running PASSWORD_RESET_REMOTE_UNIX; runs for the record itself/);
  });

  it('a Referenced Record target resets the referenced record’s password on its host, not the main record’s, and the chain goes on', async () => {
    const { main, other } = scenarios.referenced;
    const ran = await finishedOccurrence(other.recordId, firstDue);
    expect(ran).toMatchObject({ state: 'COMPLETED', type: 'SCHEDULED', taskName: 'Rotate password' });

    const rotated = await unlock(stack, token, other.recordId);
    expect(rotated).not.toBe(other.initialPassword);
    await expectHolds(other, rotated);
    await expect(canLogin(sshTarget(other.username, other.initialPassword))).resolves.toBe(false);
    await expectHolds(main, main.initialPassword);

    // The chain is the main record's task: its next occurrence, a day later, targets the referenced record again.
    const next = await eventually(async () => (await jobsOf(other.recordId, ['SCHEDULED']))[0], 30_000, 'the next occurrence');
    expect(Date.parse(next.dueAt!)).toBe(firstDue + DAY);
    expect(await jobsOf(other.recordId, ['SCHEDULED'])).toHaveLength(1);
    expect(await jobsOf(main.recordId)).toEqual([]);

    // Editing the referenced record reschedules what targets it: the chain keeps its one upcoming occurrence.
    const referencedNow = await ok<any>(RECORD, { id: other.recordId });
    await ok('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }', { input: { recordId: other.recordId, version: referencedNow.version, name: uniqueName('renamed') } });
    const [rescheduled, ...extra] = await jobsOf(other.recordId, ['SCHEDULED']);
    expect(extra).toEqual([]);
    expect(rescheduled).toMatchObject({ triggerEvent: 'EVERY_N_DAYS', taskName: 'Rotate password' });
    expect(Date.parse(rescheduled!.dueAt!)).toBe(firstDue + DAY);
  });

  it('a Shadow Record target resets the shadow record’s account, not the main record’s', async () => {
    const { main, other } = scenarios.shadow;
    expect(await finishedOccurrence(other.recordId, firstDue)).toMatchObject({ state: 'COMPLETED', record: { id: other.recordId } });
    const rotated = await unlock(stack, token, other.recordId);
    expect(rotated).not.toBe(other.initialPassword);
    await expectHolds(other, rotated);
    await expectHolds(main, main.initialPassword);
  });

  it('when the shadow record has no task with the script, the occurrence runs for the record itself, through the shadow account', async () => {
    const { main, other } = scenarios.fallback;
    expect(await finishedOccurrence(main.recordId, firstDue)).toMatchObject({ state: 'COMPLETED', taskName: 'Daily as root' });
    const rotated = await unlock(stack, token, main.recordId);
    expect(rotated).not.toBe(main.initialPassword);
    await expectHolds(main, rotated);
    await expectHolds(other, other.initialPassword);
    const next = await eventually(async () => (await jobsOf(main.recordId, ['SCHEDULED']))[0], 30_000, 'the next occurrence');
    expect(Date.parse(next.dueAt!)).toBe(firstDue + DAY);
  });
});

/** An assignment with the IMMEDIATELY schedule fires once, as soon as it is made, and its task runs on the host. */
describe('an IMMEDIATELY assignment', () => {
  let stack: StewardStack;
  let token: string;
  let account: RotatableRecord | undefined;
  const marker = uniqueName('immediately');
  const RUN = 'id trigger firedAt counts { targeted completed failed } jobs(first: 10) { edges { node { state type system { id } } } }';

  async function ok<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await stack.graphql<any>(query, variables, token);
    if (!result.data || result.errors) throw new Error(`expected success, got ${JSON.stringify(result.errors)}`);
    return Object.values(result.data)[0] as T;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    await account?.removeUser();
    await stack?.stop();
  });

  it('fires at once on the system it is assigned to, and never again', async () => {
    const manifest = {
      name: uniqueName('Markers'),
      version: '1.0.0',
      taskTypes: [
        {
          name: 'Mark',
          settingsSchema: { type: 'object', properties: { marker: { type: 'string' } }, required: ['marker'], additionalProperties: false },
          command: 'echo "$STEWARD_MARKER" >> "$HOME/steward-marks.log"\necho "STEWARD-REPORT {}"',
        },
      ],
    };
    const product = await ok<any>('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest } });
    const task = await ok<any>('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: product.product.taskTypes[0].id, name: uniqueName('mark'), settings: { marker } },
    });
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.clientTask.id, enabled: true } });
    account = await createRotatableRecord(stack, token);
    const env = testEnvironment();
    const rootId = (await ok<any>('{ systemTree { id } }'))[0].id;
    const group = await ok<any>('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName('immediately'), parentId: rootId } });
    const system = await ok<any>('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', {
      input: {
        name: uniqueName(account.username),
        groupId: group.group.id,
        host: env.sshdHost,
        port: env.sshdPort,
        credentialRecordId: account.recordId,
        hostKeyFingerprint: env.sshdFingerprint,
        timeZone: 'UTC',
      },
    });

    const assignedAt = Date.now();
    const assignment = await ok<any>('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', {
      input: { clientTaskId: task.clientTask.id, systemId: system.system.id, schedule: { kind: 'IMMEDIATELY' } },
    });
    const runsOf = async () =>
      (await ok<any>(`query ($filter: ClientRunFilterInput) { clientRuns(filter: $filter, first: 10) { edges { node { ${RUN} } } } }`, { filter: { assignmentId: assignment.assignment.id } })).edges.map(
        (edge: any) => edge.node,
      );
    const [firing, ...more] = await eventually(async () => {
      const runs = await runsOf();
      return runs.length && runs[0].counts.completed + runs[0].counts.failed === runs[0].counts.targeted ? runs : undefined;
    }, 60_000, 'the IMMEDIATELY assignment to fire and its job to end');
    expect(more).toEqual([]);
    expect(firing).toMatchObject({ trigger: 'SCHEDULE', counts: { targeted: 1, completed: 1, failed: 0 } });
    expect(firing.jobs.edges.map((edge: any) => edge.node)).toEqual([{ state: 'COMPLETED', type: 'SCHEDULED', system: { id: system.system.id } }]);
    expect(Date.parse(firing.firedAt)).toBeGreaterThanOrEqual(assignedAt - 1000);
    const marks = readFileSync(path.join(os.tmpdir(), `steward-home-${account.username}`, 'steward-marks.log'), 'utf8');
    expect(marks.trim().split('\n')).toEqual([marker]);

    // Its schedule workflow ends after the one firing.
    await eventually(async () => ((await stack.client.workflow.getHandle(`assignment-${assignment.assignment.id}`).describe()).status.name === 'RUNNING' ? undefined : true), 30_000, 'the schedule to end');
    expect(await runsOf()).toHaveLength(1);
  });
});
