import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { User } from '../db/entities';
import { randomizedOffsetMs } from '../lib/assignment-occurrences';
import { createServices } from '../services';
import { temporalPorts } from '../temporal/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, type RotatableRecord } from './harness/vault-fixtures';

const RUN_FIELDS = `id trigger firedAt timeZone taskName cancelledAt
  counts { targeted pending running completed failed cancelled incompatible }
  jobs(first: 100) { totalCount edges { node { id state type result scheduledFor startedAt finishedAt clientTaskRevision report system { id name } record { id } } } }`;

/** A product whose commands leave traces in the account's home, so tests can see what ran on the host and when. */
const TEST_TOOLS = {
  name: uniqueName('Test Tools'),
  version: '1.0.0',
  taskTypes: [
    {
      name: 'Sleep',
      settingsSchema: {
        type: 'object',
        properties: { seconds: { type: 'integer', minimum: 0, maximum: 600 }, marker: { type: 'string' } },
        required: ['seconds', 'marker'],
        additionalProperties: false,
      },
      command: [
        'echo "start $STEWARD_MARKER $$" >> "$HOME/steward-runs.log"',
        'sleep "$STEWARD_SECONDS"',
        'echo "end $STEWARD_MARKER" >> "$HOME/steward-runs.log"',
        'echo "STEWARD-REPORT {\\"slept\\": $STEWARD_SECONDS}"',
      ].join('\n'),
    },
    {
      name: 'Windows Only',
      supportedOs: ['windows'],
      settingsSchema: { type: 'object', properties: {}, additionalProperties: false },
      command: 'echo "STEWARD-REPORT {}"',
    },
  ],
};

interface Endpoint {
  systemId: string;
  account: RotatableRecord;
  home: string;
}

describe('client task runs: Run Now, scheduled firings, one task per system, cancel, stop after, delete', () => {
  let stack: StewardStack;
  let token: string;
  let rootId: string;
  let sleepTypeId: string;
  let windowsTypeId: string;
  let wakeupTypeId: string;
  const accounts: RotatableRecord[] = [];
  const env = () => testEnvironment();

  const gql = async (query: string, variables: Record<string, unknown> = {}) => stack.graphql<any>(query, variables, token);
  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await gql(query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const createGroup = async (name: string, parentId = rootId) =>
    (await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName(name), parentId } })).createGroup.group.id as string;

  /** A managed system reached over SSH with a real account of the test sshd. */
  const createEndpoint = async (groupId: string, timeZone = 'UTC'): Promise<Endpoint> => {
    const account = await createRotatableRecord(stack, token);
    accounts.push(account);
    const input = {
      name: uniqueName(account.username),
      groupId,
      host: env().sshdHost,
      port: env().sshdPort,
      credentialRecordId: account.recordId,
      hostKeyFingerprint: env().sshdFingerprint,
      timeZone,
    };
    const system = (await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', { input })).createSystem.system;
    return { systemId: system.id, account, home: path.join(os.tmpdir(), `steward-home-${account.username}`) };
  };
  const createTask = async (taskTypeId: string, settings: Record<string, unknown>) => {
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId, name: uniqueName('task'), settings },
    })).createClientTask.clientTask;
    return (await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id name version approvedRevision } } }', {
      input: { clientTaskId: task.id, enabled: true },
    })).setClientTaskEnabled.clientTask as { id: string; name: string; version: number; approvedRevision: number };
  };
  const runNow = async (clientTaskId: string, systemIds: string[]) =>
    (await ok(`mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { ${RUN_FIELDS} } } }`, { input: { clientTaskId, systemIds } })).runClientTaskNow.run;
  const run = async (id: string) => (await ok(`query ($id: ID!) { clientRun(id: $id) { ${RUN_FIELDS} } }`, { id })).clientRun;
  const settled = (id: string, timeoutMs = 120_000) =>
    eventually(async () => {
      const current = await run(id);
      return current.counts.pending + current.counts.running === 0 ? current : undefined;
    }, timeoutMs, `run ${id} to end`);
  const runsLog = (endpoint: Endpoint) => {
    try {
      return readFileSync(`${endpoint.home}/steward-runs.log`, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  /** Whether a `sleep` of the account still runs on the host. */
  const sleeping = (endpoint: Endpoint) => {
    try {
      return execFileSync('pgrep', ['-u', endpoint.account.username, 'sleep']).toString().trim() !== '';
    } catch {
      return false;
    }
  };
  const assignAt = async (node: Record<string, string>, clientTaskId: string, schedule: Record<string, unknown>) =>
    (await ok('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', { input: { clientTaskId, ...node, schedule } })).assignClientTask.assignment
      .id as string;
  const runsOfAssignment = async (assignmentId: string) => {
    const { clientRuns } = await ok('query ($filter: ClientRunFilterInput) { clientRuns(filter: $filter, first: 10) { edges { node { id } } } }', { filter: { assignmentId } });
    return Promise.all(clientRuns.edges.map((edge: { node: { id: string } }) => run(edge.node.id)));
  };
  const moveSystem = async (systemId: string, groupId: string) => {
    const { system } = await ok('query ($id: ID!) { system(id: $id) { version } }', { id: systemId });
    await ok('mutation ($input: MoveSystemInput!) { moveSystem(input: $input) { system { id } } }', { input: { systemId, groupId, version: system.version } });
  };
  /** A UTC instant `seconds` from now, whole seconds, as a UTC schedule's startAt. */
  const utcIn = (seconds: number) => new Date(Math.ceil(Date.now() / 1000) * 1000 + seconds * 1000).toISOString().replace('.000Z', 'Z');
  /** The wall-clock time `seconds` from now in a zone, as a local-time schedule's startAt (YYYY-MM-DDTHH:mm:ss). */
  const wallClockIn = (seconds: number, timeZone: string) => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + seconds * 1000);
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .formatToParts(at)
        .map((part) => [part.type, part.value]),
    );
    return { startAt: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`, at };
  };

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    const product = (await ok('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id name } } } }', { input: { manifest: TEST_TOOLS } }))
      .checkInProduct.product;
    sleepTypeId = product.taskTypes.find((type: { name: string }) => type.name === 'Sleep').id;
    windowsTypeId = product.taskTypes.find((type: { name: string }) => type.name === 'Windows Only').id;
    const { products } = await ok('{ products { name taskTypes { id name } } }');
    wakeupTypeId = products.find((p: { name: string }) => p.name === 'Agent').taskTypes.find((t: { name: string }) => t.name === 'Wakeup').id;
  });

  afterAll(async () => {
    await stack?.stop();
    for (const account of accounts) await account.removeUser();
  });

  it('runs a task now on several systems: a job per system in Job History, live counts, the approved revision, and incompatible systems counted', async () => {
    const group = await createGroup('run-now');
    const endpoints = [await createEndpoint(group), await createEndpoint(group), await createEndpoint(group)];
    const wakeup = await createTask(wakeupTypeId, {});
    const woken = await settled((await runNow(wakeup.id, endpoints.map((endpoint) => endpoint.systemId))).id);
    expect(woken.counts).toEqual({ targeted: 3, pending: 0, running: 0, completed: 3, failed: 0, cancelled: 0, incompatible: 0 });
    expect(woken.trigger).toBe('RUN_NOW');
    for (const { node: job } of woken.jobs.edges) {
      expect(job).toMatchObject({ state: 'COMPLETED', type: 'ON_DEMAND', record: null, clientTaskRevision: wakeup.approvedRevision });
      expect(endpoints.map((endpoint) => endpoint.systemId)).toContain(job.system.id);
    }
    // The same jobs are in the one Job History, found by system.
    const history = await ok('query ($filter: JobFilterInput) { jobs(filter: $filter) { totalCount edges { node { id system { id } } } } }', {
      filter: { systemId: endpoints[0]!.systemId },
    });
    expect(history.jobs.totalCount).toBe(1);
    // Wakeup refreshed what the system reports, and GraphQL shows it.
    const { system } = await ok('query ($id: ID!) { system(id: $id) { lastContactAt properties { hostname osFamily kernel } } }', { id: endpoints[0]!.systemId });
    expect(system.properties).toEqual({ hostname: os.hostname(), osFamily: 'linux', kernel: os.release() });
    expect(Date.now() - Date.parse(system.lastContactAt)).toBeLessThan(120_000);

    // Now that Wakeup reported the systems' OS, a task type for Windows only is incompatible with them.
    const windowsOnly = await createTask(windowsTypeId, {});
    const refused = await settled((await runNow(windowsOnly.id, endpoints.map((endpoint) => endpoint.systemId))).id);
    expect(refused.counts).toMatchObject({ targeted: 3, incompatible: 3, completed: 0 });
    expect(refused.jobs.edges[0].node.result).toMatch(/does not support/);

    // RECORD_HISTORIES=<name> keeps a run's and a job's histories for the replay test, as test/histories/client-*-<name>.json.
    if (process.env.RECORD_HISTORIES) {
      const job = woken.jobs.edges[0].node;
      for (const [kind, workflowId] of [['client-run', `client-run-${woken.id}`], ['client-task-job', `job-${job.id}`]]) {
        const history = await stack.client.workflow.getHandle(workflowId!).fetchHistory();
        writeFileSync(path.join(__dirname, 'histories', `${kind}-${process.env.RECORD_HISTORIES}.json`), historyToJSON(history));
      }
    }
  });

  it('runs one client task at a time on a system: a second run waits its turn and is not dropped', async () => {
    const group = await createGroup('one-at-a-time');
    const endpoint = await createEndpoint(group);
    const first = await createTask(sleepTypeId, { seconds: 3, marker: 'first' });
    const second = await createTask(sleepTypeId, { seconds: 3, marker: 'second' });
    const runs = [await runNow(first.id, [endpoint.systemId]), await runNow(second.id, [endpoint.systemId])];
    const ended = [await settled(runs[0].id), await settled(runs[1].id)];
    const jobs = ended.map((each) => each.jobs.edges[0].node);
    expect(jobs.map((job) => job.state)).toEqual(['COMPLETED', 'COMPLETED']);
    const [a, b] = [...jobs].sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt));
    expect(Date.parse(b.startedAt)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt));
    // On the host too: each run ended before the next one started.
    const lines = runsLog(endpoint).map((line) => line.split(' ').slice(0, 2).join(' '));
    const [firstMarker, secondMarker] = a === jobs[0] ? ['first', 'second'] : ['second', 'first'];
    expect(lines).toEqual([`start ${firstMarker}`, `end ${firstMarker}`, `start ${secondMarker}`, `end ${secondMarker}`]);
  });

  it('keeps a run within its concurrency limit: with a limit of one, its jobs run one after another', async () => {
    const group = await createGroup('limit');
    const endpoints = [await createEndpoint(group), await createEndpoint(group), await createEndpoint(group)];
    const task = await createTask(sleepTypeId, { seconds: 2, marker: 'limited' });
    const { me } = await ok('{ me { id } }');
    const user = await stack.orm.em.fork().findOneOrFail(User, { id: me.id });
    const limited = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey, 1)).clientRuns;
    const ended = await settled((await limited.runNow(user, task.id, endpoints.map((endpoint) => endpoint.systemId))).id);
    expect(ended.counts).toMatchObject({ targeted: 3, completed: 3 });
    const jobs = ended.jobs.edges.map((edge: any) => edge.node).sort((a: any, b: any) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (let i = 1; i < jobs.length; i++) expect(Date.parse(jobs[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(jobs[i - 1].finishedAt));
  });

  it('cancels a whole run: pending jobs at once, running ones stopped on their hosts', async () => {
    const group = await createGroup('cancel');
    const endpoints = [await createEndpoint(group), await createEndpoint(group)];
    const long = await createTask(sleepTypeId, { seconds: 120, marker: 'long' });
    const started = await runNow(long.id, endpoints.map((endpoint) => endpoint.systemId));
    await eventually(async () => ((await run(started.id)).counts.running === 2 && endpoints.every(sleeping) ? true : undefined), 60_000, 'both jobs running on their hosts');
    // A second run on the same systems waits for the first: its jobs are pending.
    const queued = await runNow(long.id, endpoints.map((endpoint) => endpoint.systemId));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await run(queued.id)).counts).toMatchObject({ targeted: 2, pending: 2 });

    const cancelled = await ok('mutation ($input: CancelClientRunInput!) { cancelClientRun(input: $input) { run { cancelledAt } } }', { input: { runId: started.id } });
    expect(cancelled.cancelClientRun.run.cancelledAt).toBeTruthy();
    const ended = await settled(started.id, 60_000);
    expect(ended.counts).toMatchObject({ targeted: 2, cancelled: 2, completed: 0 });
    for (const endpoint of endpoints) expect(runsLog(endpoint).filter((line) => line.startsWith('end'))).toEqual([]);
    // The queued run got each system in turn; cancel it too, and nothing is left running on the hosts.
    await ok('mutation ($input: CancelClientRunInput!) { cancelClientRun(input: $input) { run { id } } }', { input: { runId: queued.id } });
    expect((await settled(queued.id, 60_000)).counts).toMatchObject({ targeted: 2, cancelled: 2 });
    await eventually(async () => (endpoints.some(sleeping) ? undefined : true), 30_000, 'no sleep left on the hosts');
    const again = await gql('mutation ($input: CancelClientRunInput!) { cancelClientRun(input: $input) { run { id } } }', { input: { runId: queued.id } });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('fires a scheduled assignment once on the systems in scope at the fire time, each start spread over the randomization window', async () => {
    const group = await createGroup('scheduled');
    const elsewhere = await createGroup('elsewhere');
    const stays = [await createEndpoint(group), await createEndpoint(group)];
    const leaves = await createEndpoint(group);
    const joins = await createEndpoint(elsewhere);
    const task = await createTask(sleepTypeId, { seconds: 0, marker: 'scheduled' });
    const startAt = utcIn(25);
    const assignmentId = await assignAt({ groupId: group }, task.id, { kind: 'ONCE', startAt, timeBasis: 'UTC', randomizationMinutes: 1 });
    // Moves before the fire time are honoured: the firing resolves its scope when it fires.
    await moveSystem(leaves.systemId, elsewhere);
    await moveSystem(joins.systemId, group);

    const [firing] = await eventually(async () => {
      const runs = await runsOfAssignment(assignmentId);
      return runs.length && runs[0].counts.pending + runs[0].counts.running === 0 ? runs : undefined;
    }, 180_000, 'the assignment to fire and its jobs to end');
    expect(firing.trigger).toBe('SCHEDULE');
    expect(Date.parse(firing.firedAt)).toBe(Date.parse(startAt));
    expect(firing.counts).toMatchObject({ targeted: 3, completed: 3 });
    const targeted = firing.jobs.edges.map((edge: any) => edge.node.system.id).sort();
    expect(targeted).toEqual([...stays, joins].map((endpoint) => endpoint.systemId).sort());
    for (const { node: job } of firing.jobs.edges) {
      expect(job.type).toBe('SCHEDULED');
      // Each system's start is its deterministic point of the window, and no job started before it.
      const offset = randomizedOffsetMs(`${firing.id}:${job.system.id}`, 1);
      expect(Date.parse(job.scheduledFor)).toBe(Date.parse(startAt) + offset);
      expect(Date.parse(job.startedAt)).toBeGreaterThanOrEqual(Date.parse(job.scheduledFor));
    }
    expect(runsLog(leaves)).toEqual([]);
    // A ONCE schedule fired once: its workflow ended, and no second run appears.
    expect(await runsOfAssignment(assignmentId)).toHaveLength(1);
  });

  it('fires a local-time assignment at each time zone’s own wall-clock time', async () => {
    const group = await createGroup('local-time');
    const tokyo = await createEndpoint(group, 'Asia/Tokyo');
    const newYork = await createEndpoint(group, 'America/New_York');
    const task = await createTask(sleepTypeId, { seconds: 0, marker: 'local' });
    const { startAt, at } = wallClockIn(25, 'Asia/Tokyo');
    const assignmentId = await assignAt({ groupId: group }, task.id, { kind: 'DAILY', startAt, timeBasis: 'LOCAL' });
    // The preview lists the next runs per time zone of the systems in scope; Tokyo's first is the one about to fire.
    const preview = await ok('query ($id: ID!) { assignment(id: $id) { nextRuns(count: 2) { timeZone runs } } }', { id: assignmentId });
    const byZone = Object.fromEntries(preview.assignment.nextRuns.map((entry: { timeZone: string; runs: string[] }) => [entry.timeZone, entry.runs]));
    expect(Object.keys(byZone).sort()).toEqual(['America/New_York', 'Asia/Tokyo']);
    expect(Date.parse(byZone['Asia/Tokyo'][0])).toBe(at.getTime());
    const [firing] = await eventually(async () => {
      const runs = await runsOfAssignment(assignmentId);
      return runs.length && runs[0].counts.pending + runs[0].counts.running === 0 ? runs : undefined;
    }, 180_000, 'the Tokyo firing');
    expect(firing.timeZone).toBe('Asia/Tokyo');
    expect(Date.parse(firing.firedAt)).toBe(at.getTime());
    expect(firing.jobs.edges.map((edge: any) => edge.node.system.id)).toEqual([tokyo.systemId]);
    expect(runsLog(newYork)).toEqual([]);
  });

  it('gives an assignment whose schedule workflow is gone its schedule back', async () => {
    const group = await createGroup('lost-schedule');
    await createEndpoint(group);
    const task = await createTask(sleepTypeId, { seconds: 0, marker: 'lost' });
    const assignmentId = await assignAt({ groupId: group }, task.id, { kind: 'DAILY', startAt: '2030-01-01T09:00', timeBasis: 'LOCAL' });
    const handle = stack.client.workflow.getHandle(`assignment-${assignmentId}`);
    await handle.terminate('lost, as if Temporal had been unreachable when the assignment was made');
    const schedules = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey)).assignmentFirings;
    // What the steward-job-reconciliation schedule does every minute.
    await eventually(async () => {
      await schedules.ensureSchedules();
      return (await stack.client.workflow.getHandle(`assignment-${assignmentId}`).describe()).status.name === 'RUNNING' ? true : undefined;
    }, 60_000, 'the schedule to be started again');
  });

  it('stops a task on its host when it runs longer than the assignment allows', async () => {
    const group = await createGroup('stop-after');
    const endpoint = await createEndpoint(group);
    const task = await createTask(sleepTypeId, { seconds: 300, marker: 'overrun' });
    const assignmentId = await assignAt({ systemId: endpoint.systemId }, task.id, { kind: 'ONCE', startAt: utcIn(5), timeBasis: 'UTC', stopAfterMinutes: 1 });
    const [firing] = await eventually(async () => {
      const runs = await runsOfAssignment(assignmentId);
      return runs.length && runs[0].counts.pending + runs[0].counts.running === 0 ? runs : undefined;
    }, 180_000, 'the overrunning job to be stopped');
    const job = firing.jobs.edges[0].node;
    expect(job.state).toBe('ERROR');
    expect(job.result).toMatch(/ran longer than 1 minute/);
    expect(Date.parse(job.finishedAt) - Date.parse(job.startedAt)).toBeLessThan(120_000);
    await eventually(async () => (sleeping(endpoint) ? undefined : true), 30_000, 'the sleep to be gone from the host');
    expect(runsLog(endpoint).filter((line) => line.startsWith('end'))).toEqual([]);
  });

  it('reports what deleting a task affects, then deletes it with its assignments and cancels its upcoming jobs', async () => {
    const group = await createGroup('delete');
    const sub = await createGroup('delete-sub', group);
    const inGroup = await createEndpoint(sub);
    const alone = await createEndpoint(await createGroup('delete-alone'));
    const task = await createTask(sleepTypeId, { seconds: 120, marker: 'doomed' });
    await assignAt({ groupId: group }, task.id, { kind: 'DAILY', startAt: '2030-01-01T09:00', timeBasis: 'LOCAL' });
    await assignAt({ systemId: alone.systemId }, task.id, { kind: 'WEEKLY', startAt: '2030-01-01T09:00', weekdays: ['MONDAY'], timeBasis: 'LOCAL' });
    const running = await runNow(task.id, [inGroup.systemId]);
    await eventually(async () => ((await run(running.id)).counts.running === 1 ? true : undefined), 60_000, 'the job to run');
    const waiting = await runNow(task.id, [inGroup.systemId]);

    const { clientTaskDeletionImpact: impact } = await ok(
      'query ($id: ID!) { clientTaskDeletionImpact(clientTaskId: $id) { groups { id name } systems { id name } assignments openJobs } }',
      { id: task.id },
    );
    expect(impact.groups.map((g: { id: string }) => g.id).sort()).toEqual([group, sub].sort());
    expect(impact.systems.map((s: { id: string }) => s.id).sort()).toEqual([inGroup.systemId, alone.systemId].sort());
    expect(impact).toMatchObject({ assignments: 2, openJobs: 2 });

    const stale = await gql('mutation ($input: DeleteClientTaskInput!) { deleteClientTask(input: $input) { deletedClientTaskId } }', { input: { clientTaskId: task.id, version: task.version - 1 } });
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const deleted = await ok('mutation ($input: DeleteClientTaskInput!) { deleteClientTask(input: $input) { deletedClientTaskId impact { assignments } } }', {
      input: { clientTaskId: task.id, version: task.version },
    });
    expect(deleted.deleteClientTask).toEqual({ deletedClientTaskId: task.id, impact: { assignments: 2 } });
    const gone = await gql('query ($id: ID!) { clientTask(id: $id) { id } }', { id: task.id });
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>('select count(*) from client_task_assignments where client_task_id = ?', [task.id]);
    expect(Number(row!.count)).toBe(0);
    // Its runs stay in history under its name; nothing of it is left running.
    expect((await settled(waiting.id, 60_000)).counts).toMatchObject({ targeted: 1, cancelled: 1 });
    const ended = await settled(running.id, 60_000);
    expect(ended).toMatchObject({ taskName: task.name, counts: { cancelled: 1 } });
    await eventually(async () => (sleeping(inGroup) ? undefined : true), 30_000, 'the sleep to be gone from the host');
  });
});
