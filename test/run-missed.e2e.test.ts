import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ClientRun } from '../db/entities';
import { temporalPorts } from '../temporal/ports';
import { freePort } from './harness/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, getJob, type RotatableRecord } from './harness/vault-fixtures';

const DAY = 86_400_000;
const RUN = 'id firedAt counts { targeted pending running completed failed cancelled } jobs(first: 10) { edges { node { id state result } } }';
const ASSIGNMENT = 'id version';

/** A TCP port that forwards to the test sshd while it is "up": the system behind it comes and goes. */
class FlakySystem {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  constructor(readonly port: number) {}

  async comeBack(): Promise<void> {
    const { sshdHost, sshdPort } = testEnvironment();
    this.server = net.createServer((socket) => {
      const upstream = net.connect(sshdPort, sshdHost);
      for (const end of [socket, upstream]) {
        this.sockets.add(end);
        end.on('error', () => undefined);
        end.on('close', () => this.sockets.delete(end));
      }
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, sshdHost, resolve));
  }

  async goAway(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

/**
 * Run missed task, the way ePO means it: a system unreachable when its assignment fires is waited
 * for until the next firing, and the task runs once when it is back; if the next firing comes
 * first, the missed one is skipped and says why. Fire times missed while the server was down run
 * once when it is back.
 */
describe('Run missed task', () => {
  let stack: StewardStack;
  let token: string;
  let taskTypeId: string;
  let groupId: string;
  const accounts: RotatableRecord[] = [];
  const flaky: FlakySystem[] = [];
  const taskIds: string[] = [];

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await stack.graphql<any>(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  /** An account on the test sshd, and a system reached with it: directly, or through a port that can be closed. */
  async function system(port?: number): Promise<{ id: string; account: RotatableRecord }> {
    const account = await createRotatableRecord(stack, token);
    accounts.push(account);
    const env = testEnvironment();
    const input = { name: uniqueName(account.username), groupId, host: env.sshdHost, port: port ?? env.sshdPort, credentialRecordId: account.recordId, hostKeyFingerprint: env.sshdFingerprint, timeZone: 'UTC' };
    return { id: (await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', { input })).createSystem.system.id, account };
  }

  async function markTask(): Promise<string> {
    const created = await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId, name: uniqueName('mark'), settings: { marker: 'ran' } },
    });
    const id = created.createClientTask.clientTask.id;
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: id, enabled: true } });
    taskIds.push(id);
    return id;
  }

  /** A daily UTC schedule whose first fire time is a few seconds away. */
  const dailySoon = (runMissed: boolean, inMs = 3000) => ({ kind: 'DAILY', startAt: new Date(Math.ceil((Date.now() + inMs) / 1000) * 1000).toISOString(), timeBasis: 'UTC', runMissed });

  async function assign(systemId: string, schedule: Record<string, unknown>): Promise<{ id: string; version: number }> {
    const clientTaskId = await markTask();
    return (await ok(`mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { ${ASSIGNMENT} } } }`, { input: { clientTaskId, systemId, schedule } })).assignClientTask.assignment;
  }

  const runsOf = async (assignmentId: string): Promise<any[]> =>
    (await ok(`query ($filter: ClientRunFilterInput) { clientRuns(filter: $filter, first: 10) { edges { node { ${RUN} } } } }`, { filter: { assignmentId } })).clientRuns.edges.map((edge: any) => edge.node);
  const onlyJob = async (assignmentId: string) =>
    eventually(async () => (await runsOf(assignmentId))[0]?.jobs.edges[0]?.node, 30_000, 'the firing and its job');
  const jobWithEvent = (jobId: string, pattern: RegExp) =>
    eventually(async () => {
      const job = await getJob(stack, token, jobId);
      return job.events.some((event: any) => pattern.test(event.message)) ? job : undefined;
    }, 60_000, `job ${jobId} to say ${pattern}`);
  const finished = (jobId: string) =>
    eventually(async () => {
      const job = await getJob(stack, token, jobId);
      return ['COMPLETED', 'ERROR', 'CANCELLED'].includes(job.state) ? job : undefined;
    }, 60_000, `job ${jobId} to end`);
  const marks = (account: RotatableRecord): string[] => {
    const log = path.join(os.tmpdir(), `steward-home-${account.username}`, 'steward-marks.log');
    return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  };

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    const manifest = {
      name: uniqueName('Run missed'),
      version: '1.0.0',
      taskTypes: [
        {
          name: 'Mark',
          settingsSchema: { type: 'object', properties: { marker: { type: 'string' } }, required: ['marker'], additionalProperties: false },
          command: 'echo "$STEWARD_MARKER" >> "$HOME/steward-marks.log"\necho "STEWARD-REPORT {}"',
        },
      ],
    };
    taskTypeId = (await ok('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest } })).checkInProduct.product.taskTypes[0].id;
    const rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    groupId = (await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName('run-missed'), parentId: rootId } })).createGroup.group.id;
  });

  afterAll(async () => {
    // Nothing of these tests fires again, or keeps waiting for a system, once they are done.
    for (const clientTaskId of taskIds) {
      await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId, enabled: false } }).catch(() => undefined);
    }
    for (const { id } of await stack.orm.em.fork().find(ClientRun, { clientTask: { $in: taskIds }, cancelledAt: null })) {
      await stack.graphql('mutation ($input: CancelClientRunInput!) { cancelClientRun(input: $input) { run { id } } }', { input: { runId: id } }, token).catch(() => undefined);
    }
    for (const system of flaky) await system.goAway();
    for (const account of accounts) await account.removeUser();
    await stack?.stop();
  });

  it('an unreachable system is waited for, and the task runs once when it comes back', async () => {
    const down = new FlakySystem(await freePort());
    flaky.push(down);
    const { id, account } = await system(down.port);
    const schedule = dailySoon(true);
    const assignment = await assign(id, schedule);
    const job = await onlyJob(assignment.id);
    const nextFiring = new Date(Date.parse(schedule.startAt) + DAY).toISOString();
    const waiting = await jobWithEvent(job.id, new RegExp(`^System unreachable \\(could not read the host key of .+\\): waiting for it to come back, until the next firing at ${nextFiring.replace(/\./g, '\\.')}$`));
    expect(waiting.state).toBe('SCHEDULED');

    await down.comeBack();
    const done = await finished(job.id);
    expect(done.state).toBe('COMPLETED');
    expect(done.events.map((event: any) => event.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^The system answers again after \d+ failed look\(s\); running the missed task once$/)]));
    expect(marks(account)).toEqual(['ran']);
    expect(await runsOf(assignment.id)).toHaveLength(1);
    // RECORD_HISTORIES=<name> keeps this job's history for the replay test as test/histories/client-task-job-<name>.json.
    if (process.env.RECORD_HISTORIES) {
      const handle = stack.client.workflow.getHandle(`job-${job.id}`);
      await handle.result();
      writeFileSync(path.join(__dirname, 'histories', `client-task-job-${process.env.RECORD_HISTORIES}.json`), historyToJSON(await handle.fetchHistory()));
    }
  });

  it('when the next firing comes first, the missed one is skipped with its reason, and the new firing runs', async () => {
    const down = new FlakySystem(await freePort());
    flaky.push(down);
    const { id, account } = await system(down.port);
    const assignment = await assign(id, dailySoon(true));
    const missed = await onlyJob(assignment.id);
    await jobWithEvent(missed.id, /^System unreachable/);

    // The schedule is moved so that it fires again in a few seconds: that firing comes before the system does.
    const moved = dailySoon(true, 6000);
    await ok('mutation ($input: UpdateAssignmentInput!) { updateAssignment(input: $input) { assignment { id } } }', { input: { assignmentId: assignment.id, version: assignment.version, schedule: moved } });
    const skipped = await finished(missed.id);
    expect(skipped.state).toBe('CANCELLED');
    expect(skipped.result).toBe(`Skipped: the system was unreachable until the next firing (${moved.startAt}), which runs instead`);

    const runs = await eventually(async () => {
      const all = await runsOf(assignment.id);
      return all.length === 2 ? all : undefined;
    }, 30_000, 'the new firing');
    expect(runs[0].firedAt).toBe(moved.startAt);
    // The new firing's job waits for the system in turn, and runs when it comes back.
    const fresh = runs[0].jobs.edges[0].node;
    await jobWithEvent(fresh.id, /^System unreachable/);
    await down.comeBack();
    expect((await finished(fresh.id)).state).toBe('COMPLETED');
    expect(marks(account)).toEqual(['ran']);
  });

  it('with Run missed task off, the unreachable system’s job ends at once and says why', async () => {
    const { id } = await system(await freePort());
    const assignment = await assign(id, dailySoon(false));
    const job = await finished((await onlyJob(assignment.id)).id);
    expect(job.state).toBe('ERROR');
    expect(job.result).toMatch(/^System unreachable \(could not read the host key of .+\); Run missed task is off, so this firing does not wait for it$/);
  });

  it('fire times missed while the server was down run once, late, when it is back', async () => {
    const { id, account } = await system();
    const assignment = await assign(id, { kind: 'DAILY', startAt: '2026-01-01T00:00:00Z', timeBasis: 'UTC', runMissed: true });
    const workflowId = `assignment-${assignment.id}`;
    await eventually(async () => ((await stack.client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING' ? true : undefined), 30_000, 'the schedule to run');
    // The server was down for three days: its schedule stopped, and it last looked at the schedule then.
    await stack.client.workflow.getHandle(workflowId).terminate('the server went down');
    await stack.orm.em.fork().getConnection().execute(`update "client_task_assignments" set "updated_at" = now() - interval '3 days' where "id" = ?`, [assignment.id]);
    // Back up: the schedule starts again (as the reconciler's ensureSchedules does) and finds three missed fire times.
    await temporalPorts(stack.client, stack.masterKey).clientWorkflows.scheduleChanged(assignment.id);

    const job = await finished((await onlyJob(assignment.id)).id);
    expect(job.state).toBe('COMPLETED');
    const runs = await runsOf(assignment.id);
    expect(runs).toHaveLength(1);
    // The latest missed fire time is the one that runs; the earlier ones do not run as well.
    expect(runs[0].firedAt).toBe(new Date(Math.floor(Date.now() / DAY) * DAY).toISOString());
    expect(marks(account)).toEqual(['ran']);
    const skips = await stack.orm.em.fork().getConnection().execute(`select 1 from "audit_events" where "action" = 'skipAssignmentFiring' and "target_id" = ?`, [assignment.id]);
    expect(skips).toHaveLength(0);
  });
});
