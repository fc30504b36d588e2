import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ensureNamespaces } from './harness/namespaces';
import { freePort } from './harness/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

/**
 * Three Steward servers on loopback, each with its own API port, database and Temporal namespace
 * on the run's one Temporal server, share a client task through the Share Client Tasks server task
 * (issue 13). Runs are started with runShareClientTasksNow and awaited in the server task log.
 */

const SHARED_FIELDS = 'id name settings enabled shared originTaskId originRevision withdrawn';
const RUN_FIELDS = 'id state workflowId finishedAt jobId peers { peerName succeeded error sent created updated withdrawn bytes refused { originTaskId reason } }';

interface Server {
  label: string;
  name: string;
  port: number;
  databaseUrl: string;
  namespace: string;
  stack: StewardStack;
  token: string;
  identity: { name: string; publicKey: string; url: string };
}

interface PeerResult {
  peerName: string;
  succeeded: boolean;
  error: string | null;
  sent: number;
  created: number;
  updated: number;
  withdrawn: number;
  bytes: number;
  refused: { originTaskId: string; reason: string }[];
}

interface LogPage {
  totalCount: number;
  edges: { cursor: string; node: { id: string; createdAt: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

interface Run {
  id: string;
  state: string;
  workflowId: string;
  finishedAt: string | null;
  jobId: string | null;
  peers: PeerResult[];
}

describe('sharing client tasks between three servers', () => {
  const env = testEnvironment();
  const servers: Server[] = [];
  let statisticsTypeIds: Map<Server, string>;

  const ok = async (server: Server, query: string, variables: Record<string, unknown> = {}) => {
    const result = await server.stack.graphql<any>(query, variables, server.token);
    if (result.errors) throw new Error(`${server.label}: ${JSON.stringify(result.errors)}`);
    return result.data;
  };

  async function start(server: Omit<Server, 'stack' | 'token' | 'identity'>): Promise<StewardStack> {
    return startStewardStack({ databaseUrl: server.databaseUrl, namespace: server.namespace, serverName: server.name, api: { port: server.port, publicUrl: `http://127.0.0.1:${server.port}` } });
  }

  const runs = async (server: Server): Promise<Run[]> => (await ok(server, `{ serverTaskLog(first: 10) { edges { node { ${RUN_FIELDS} } } } }`)).serverTaskLog.edges.map((edge: { node: Run }) => edge.node);

  /** Starts a run now, once the last one has ended, and returns it once it has finished, as the server task log shows it. */
  async function runShareNow(server: Server): Promise<Run> {
    await eventually(async () => ((await ok(server, '{ shareClientTasksSchedule { running } }')).shareClientTasksSchedule.running ? undefined : true), 90_000, `the last run on ${server.label} to end`);
    const before = new Set((await runs(server)).map((run) => run.id));
    await ok(server, 'mutation { runShareClientTasksNow { schedule { paused } } }');
    return eventually(async () => (await runs(server)).find((run) => !before.has(run.id) && run.finishedAt), 90_000, `a finished Share Client Tasks run on ${server.label}`);
  }

  const peerResult = (run: Run, peer: Server) => run.peers.find((result) => result.peerName === peer.name)!;

  /** The shared objects of a catalog, keyed by the origin's task ID, as a target holds them (or the origin, for its own). */
  async function sharedCatalog(server: Server, origin: Server): Promise<Record<string, unknown>[]> {
    const tasks = (await ok(server, `{ clientTasks(first: 100) { edges { node { ${SHARED_FIELDS} } } } }`)).clientTasks.edges.map((edge: { node: any }) => edge.node);
    return tasks
      .filter((task: any) => task.shared && (server === origin ? task.originTaskId === null : task.originTaskId !== null))
      .map((task: any) => ({ originTaskId: task.originTaskId ?? task.id, name: task.name, settings: task.settings, enabled: task.enabled, withdrawn: task.withdrawn }))
      .sort((a: any, b: any) => a.originTaskId.localeCompare(b.originTaskId));
  }

  const receivedTask = async (server: Server, originTaskId: string) =>
    (await ok(server, `{ clientTasks(first: 100) { edges { node { ${SHARED_FIELDS} } } } }`)).clientTasks.edges.map((edge: { node: any }) => edge.node).find((task: any) => task.originTaskId === originTaskId);

  const createStatisticsTask = async (server: Server, settings: Record<string, unknown>): Promise<{ id: string }> =>
    (
      await ok(server, 'mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
        input: { taskTypeId: statisticsTypeIds.get(server), name: uniqueName('shared-stats'), settings },
      })
    ).createClientTask.clientTask;

  const currentVersion = async (server: Server, clientTaskId: string): Promise<number> =>
    (await ok(server, 'query ($id: ID!) { clientTask(id: $id) { version } }', { id: clientTaskId })).clientTask.version;

  async function setShared(server: Server, clientTaskId: string, shared: boolean): Promise<void> {
    await ok(server, 'mutation ($input: SetClientTaskSharedInput!) { setClientTaskShared(input: $input) { clientTask { shared } } }', {
      input: { clientTaskId, version: await currentVersion(server, clientTaskId), shared },
    });
  }

  /** Edits a task's settings as its owner (the server's administrator): applied now, or proposed for approval. */
  async function editSettings(server: Server, clientTaskId: string, settings: Record<string, unknown>): Promise<{ applied: boolean; pendingChange: { id: string } | null }> {
    const { updateClientTask } = await ok(server, 'mutation ($input: UpdateClientTaskInput!) { updateClientTask(input: $input) { applied pendingChange { id } } }', {
      input: { clientTaskId, version: await currentVersion(server, clientTaskId), settings },
    });
    return updateClientTask;
  }

  /** Enables or disables the peer's registration on the server. */
  async function setPeerEnabled(server: Server, peer: Server, enabled: boolean): Promise<void> {
    const registrations = (await ok(server, '{ registeredServers(first: 100) { edges { node { id name version } } } }')).registeredServers.edges.map((edge: { node: any }) => edge.node);
    const { id, version } = registrations.find((registration: { name: string }) => registration.name === peer.name);
    await ok(server, 'mutation ($input: UpdateRegisteredServerInput!) { updateRegisteredServer(input: $input) { registeredServer { id } } }', { input: { id, version, enabled } });
  }

  beforeAll(async () => {
    const base = new URL(env.databaseUrl);
    const settings = [];
    for (const label of ['a', 'b', 'c']) {
      const databaseUrl = new URL(base);
      databaseUrl.pathname = `${base.pathname}_share_${label}`;
      settings.push({ label, name: uniqueName(`steward-${label}`), port: await freePort(), databaseUrl: databaseUrl.toString(), namespace: uniqueName(`share-${label}`) });
    }
    await ensureNamespaces(env.temporalAddress, settings.map((server) => server.namespace));
    for (const server of settings) {
      await createMigratedDatabase(server.databaseUrl);
      const stack = await start(server);
      const token = await stack.signIn(ADMIN_ROLES);
      servers.push({ ...server, stack, token, identity: undefined as never });
    }
    for (const server of servers) server.identity = (await ok(server, '{ serverIdentity { name publicKey url } }')).serverIdentity;
    statisticsTypeIds = new Map();
    for (const server of servers) {
      const { products } = await ok(server, '{ products { name taskTypes { id name } } }');
      statisticsTypeIds.set(server, products.find((product: any) => product.name === 'Agent').taskTypes.find((type: any) => type.name === 'Statistics').id);
    }
    // Each server registers the other two through GraphQL, with the identity each one shows.
    for (const server of servers) {
      for (const peer of servers.filter((other) => other !== server)) {
        await ok(server, 'mutation ($input: RegisterServerInput!) { registerServer(input: $input) { registeredServer { id } } }', {
          input: { name: peer.identity.name, graphqlUrl: peer.identity.url, publicKey: peer.identity.publicKey },
        });
      }
      // Only the runs the tests ask for: the schedule is paused, and Run Now still works.
      const paused = await ok(server, 'mutation ($input: UpdateShareClientTasksScheduleInput!) { updateShareClientTasksSchedule(input: $input) { schedule { intervalSeconds paused } } }', {
        input: { intervalSeconds: 600, paused: true },
      });
      expect(paused.updateShareClientTasksSchedule.schedule).toEqual({ intervalSeconds: 600, paused: true });
    }
  }, 240_000);

  afterAll(async () => {
    for (const server of servers) await server.stack.stop();
    for (const server of servers) await dropDatabase(server.databaseUrl);
  }, 120_000);

  it('sends a shared task to both peers, incrementally, through outages, and withdraws it when unshared', async () => {
    const [origin, targetB, targetC] = servers as [Server, Server, Server];

    const created = await createStatisticsTask(origin, { paths: ['/var'] });
    await setShared(origin, created.id, true);

    // One run: both peers create it, and the three catalogs hold identical shared objects.
    const first = await runShareNow(origin);
    expect(first.state).toBe('COMPLETED');
    for (const target of [targetB, targetC]) {
      expect(peerResult(first, target)).toMatchObject({ succeeded: true, sent: 1, created: 1, updated: 0, withdrawn: 0, refused: [] });
      expect(peerResult(first, target).bytes).toBeGreaterThan(0);
    }
    const originCatalog = await sharedCatalog(origin, origin);
    expect(originCatalog).toEqual([{ originTaskId: created.id, name: expect.any(String), settings: { paths: ['/var'] }, enabled: false, withdrawn: false }]);
    expect(await sharedCatalog(targetB, origin)).toEqual(originCatalog);
    expect(await sharedCatalog(targetC, origin)).toEqual(originCatalog);
    expect((await receivedTask(targetB, created.id)).originRevision).toBe(1);
    // The run is in Job History too.
    const job = (await ok(origin, 'query ($id: ID!) { job(id: $id) { type state taskName } }', { id: first.jobId })).job;
    expect(job).toEqual({ type: 'SERVER_TASK', state: 'COMPLETED', taskName: 'Share Client Tasks' });
    const plainUser = await origin.stack.signIn([]);
    const hidden = await origin.stack.graphql('query ($id: ID!) { job(id: $id) { id } }', { id: first.jobId }, plainUser);
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const plainLog = await origin.stack.graphql('{ serverTaskLog(first: 1) { edges { node { id } } } }', {}, plainUser);
    expect(plainLog.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Nothing changed: the next run sends nothing, and makes no request.
    const idle = await runShareNow(origin);
    for (const target of [targetB, targetC]) expect(peerResult(idle, target)).toMatchObject({ succeeded: true, sent: 0, bytes: 0 });

    // B duplicates its copy: a local task of its own that later syncs never touch.
    const duplicate = (
      await ok(targetB, 'mutation ($input: DuplicateClientTaskInput!) { duplicateClientTask(input: $input) { clientTask { id settings originTaskId } } }', {
        input: { clientTaskId: (await receivedTask(targetB, created.id)).id, name: uniqueName('local-copy') },
      })
    ).duplicateClientTask.clientTask;
    expect(duplicate).toMatchObject({ settings: { paths: ['/var'] }, originTaskId: null });

    // An edit on the origin arrives on the next run, at the new revision; the duplicate keeps its settings.
    await editSettings(origin, created.id, { paths: ['/var', '/home'] });
    const afterEdit = await runShareNow(origin);
    for (const target of [targetB, targetC]) {
      expect(peerResult(afterEdit, target)).toMatchObject({ succeeded: true, sent: 1, created: 0, updated: 1 });
      expect(await receivedTask(target, created.id)).toMatchObject({ settings: { paths: ['/var', '/home'] }, originRevision: 2 });
    }
    expect((await ok(targetB, 'query ($id: ID!) { clientTask(id: $id) { settings } }', { id: duplicate.id })).clientTask.settings).toEqual({ paths: ['/var'] });

    // C is down during a run: B is brought up to date all the same, and the log says C failed.
    await targetC.stack.stop();
    await editSettings(origin, created.id, { paths: ['/srv'] });
    const duringOutage = await runShareNow(origin);
    expect(duringOutage.state).toBe('ERROR');
    expect(peerResult(duringOutage, targetB)).toMatchObject({ succeeded: true, updated: 1 });
    expect(peerResult(duringOutage, targetC)).toMatchObject({ succeeded: false, updated: 0 });
    expect(peerResult(duringOutage, targetC).error).toBeTruthy();
    // RECORD_HISTORIES=<name> keeps this run's history (a peer failing after its retries) for the replay test.
    if (process.env.RECORD_HISTORIES) {
      const history = execFileSync(env.temporalCli, ['workflow', 'show', '--workflow-id', duringOutage.workflowId, '--namespace', origin.namespace, '--address', env.temporalAddress, '--output', 'json'], { encoding: 'utf8' });
      writeFileSync(path.join(__dirname, 'histories', `share-client-tasks-${process.env.RECORD_HISTORIES}.json`), history);
    }

    // C comes back on the same address, and the next run catches it up.
    targetC.stack = await start(targetC);
    targetC.token = await targetC.stack.signIn(ADMIN_ROLES);
    const caughtUp = await runShareNow(origin);
    expect(caughtUp.state).toBe('COMPLETED');
    expect(peerResult(caughtUp, targetC)).toMatchObject({ succeeded: true, sent: 1, updated: 1 });
    expect(peerResult(caughtUp, targetB)).toMatchObject({ succeeded: true, sent: 0 });
    const converged = await sharedCatalog(origin, origin);
    expect(converged[0]).toMatchObject({ settings: { paths: ['/srv'] } });
    expect(await sharedCatalog(targetB, origin)).toEqual(converged);
    expect(await sharedCatalog(targetC, origin)).toEqual(converged);

    // B assigns its copy; unsharing on the origin withdraws it everywhere, and B's assignment stays.
    const rootId = (await ok(targetB, '{ systemTree { id } }')).systemTree[0].id;
    const received = await receivedTask(targetB, created.id);
    const assignment = (
      await ok(targetB, 'mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', {
        input: { clientTaskId: received.id, groupId: rootId, schedule: { kind: 'DAILY', startAt: '2030-01-01T09:30' } },
      })
    ).assignClientTask.assignment;
    await setShared(origin, created.id, false);
    const unshared = await runShareNow(origin);
    for (const target of [targetB, targetC]) {
      expect(peerResult(unshared, target)).toMatchObject({ succeeded: true, sent: 1, withdrawn: 1 });
      expect(await receivedTask(target, created.id)).toMatchObject({ withdrawn: true, enabled: false });
    }
    expect((await ok(targetB, 'query ($id: ID!) { assignment(id: $id) { id clientTask { id } } }', { id: assignment.id })).assignment).toEqual({ id: assignment.id, clientTask: { id: received.id } });
    expect(await sharedCatalog(targetB, origin)).toEqual(await sharedCatalog(targetC, origin));

    // The tombstone was acknowledged: the next run sends nothing more.
    const afterWithdrawal = await runShareNow(origin);
    for (const target of [targetB, targetC]) expect(peerResult(afterWithdrawal, target)).toMatchObject({ succeeded: true, sent: 0 });

    // A task of a product only the origin has checked in is refused by both, with the reason, and not sent again until it changes.
    const manifest = { name: uniqueName('Sensor'), version: '1.0.0', taskTypes: [{ name: 'Probe', settingsSchema: { type: 'object' }, command: 'true' }] };
    const checkIn = async (server: Server) =>
      (await ok(server, 'mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest } })).checkInProduct.product.taskTypes[0].id;
    const probe = (
      await ok(origin, 'mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
        input: { taskTypeId: await checkIn(origin), name: uniqueName('probe'), settings: { level: 1 } },
      })
    ).createClientTask.clientTask;
    await setShared(origin, probe.id, true);
    const refusedRun = await runShareNow(origin);
    for (const target of [targetB, targetC]) {
      const result = peerResult(refusedRun, target);
      expect(result).toMatchObject({ succeeded: true, sent: 1, created: 0 });
      expect(result.refused).toEqual([{ originTaskId: probe.id, reason: expect.stringContaining(manifest.name) }]);
    }
    const notResent = await runShareNow(origin);
    for (const target of [targetB, targetC]) expect(peerResult(notResent, target)).toMatchObject({ sent: 0, refused: [] });

    // B checks the product in; the next change of the task reaches B, and C refuses it again.
    await checkIn(targetB);
    await editSettings(origin, probe.id, { level: 2 });
    const retried = await runShareNow(origin);
    expect(peerResult(retried, targetB)).toMatchObject({ sent: 1, created: 1, refused: [] });
    expect(peerResult(retried, targetC)).toMatchObject({ sent: 1, created: 0, refused: [{ originTaskId: probe.id }] });
    expect(await receivedTask(targetB, probe.id)).toMatchObject({ settings: { level: 2 }, originRevision: 2 });

    // Deleting it on the origin withdraws it where it is held (B), after the task itself is gone; C never held it and gets nothing.
    const { clientTask: probeLast } = await ok(origin, 'query ($id: ID!) { clientTask(id: $id) { version } }', { id: probe.id });
    await ok(origin, 'mutation ($input: DeleteClientTaskInput!) { deleteClientTask(input: $input) { __typename } }', { input: { clientTaskId: probe.id, version: probeLast.version } });
    const deleted = await runShareNow(origin);
    expect(peerResult(deleted, targetB)).toMatchObject({ succeeded: true, sent: 1, withdrawn: 1 });
    expect(peerResult(deleted, targetC)).toMatchObject({ succeeded: true, sent: 0 });
    expect(await receivedTask(targetB, probe.id)).toMatchObject({ withdrawn: true, enabled: false });
  }, 400_000);

  it('sends peers only the approved revision of a shared task, and a change once it is approved', async () => {
    const [origin, targetB, targetC] = servers as [Server, Server, Server];
    const task = await createStatisticsTask(origin, { paths: ['/opt'] });
    await setShared(origin, task.id, true);

    // While approval is required the owner's edit is only proposed; turning it off again leaves the proposal pending.
    const setApprovalRequired = (required: boolean) =>
      ok(origin, 'mutation ($input: SetClientTaskApprovalRequiredInput!) { setClientTaskApprovalRequired(input: $input) { clientTaskApprovalRequired } }', { input: { required } });
    await setApprovalRequired(true);
    const proposal = await editSettings(origin, task.id, { paths: ['/opt', '/etc'] }).finally(() => setApprovalRequired(false));
    expect(proposal).toEqual({ applied: false, pendingChange: { id: expect.any(String) } });

    // A run while the change awaits approval sends the approved revision, not the proposal; the next sends nothing.
    const whilePending = await runShareNow(origin);
    const stillPending = await runShareNow(origin);
    for (const target of [targetB, targetC]) {
      expect(peerResult(whilePending, target)).toMatchObject({ succeeded: true, sent: 1, created: 1 });
      expect(peerResult(stillPending, target)).toMatchObject({ succeeded: true, sent: 0 });
      expect(await receivedTask(target, task.id)).toMatchObject({ settings: { paths: ['/opt'] }, originRevision: 1 });
    }

    // Another administrator approves it (nobody approves their own change), and the next run sends revision 2.
    const approver = await origin.stack.signIn(ADMIN_ROLES);
    const approval = await origin.stack.graphql<any>('mutation ($input: DecideClientTaskChangeInput!) { approveClientTaskChange(input: $input) { change { state } } }', { input: { changeId: proposal.pendingChange!.id } }, approver);
    expect(approval.errors).toBeUndefined();
    expect(approval.data.approveClientTaskChange.change.state).toBe('APPROVED');
    const afterApproval = await runShareNow(origin);
    for (const target of [targetB, targetC]) {
      expect(peerResult(afterApproval, target)).toMatchObject({ succeeded: true, sent: 1, updated: 1 });
      expect(await receivedTask(target, task.id)).toMatchObject({ settings: { paths: ['/opt', '/etc'] }, originRevision: 2 });
    }
  }, 120_000);

  it('sends a disabled peer nothing, and catches it up once it is enabled again', async () => {
    const [origin, targetB, targetC] = servers as [Server, Server, Server];
    const task = await createStatisticsTask(origin, { paths: ['/tmp'] });
    await setShared(origin, task.id, true);

    await setPeerEnabled(origin, targetC, false);
    const whileDisabled = await runShareNow(origin);
    expect(whileDisabled.state).toBe('COMPLETED');
    expect(whileDisabled.peers.map((result) => result.peerName)).toEqual([targetB.name]);
    expect(peerResult(whileDisabled, targetB)).toMatchObject({ succeeded: true, sent: 1, created: 1 });
    expect(await receivedTask(targetC, task.id)).toBeUndefined();

    await setPeerEnabled(origin, targetC, true);
    const enabledAgain = await runShareNow(origin);
    expect(enabledAgain.state).toBe('COMPLETED');
    expect(peerResult(enabledAgain, targetC)).toMatchObject({ succeeded: true, sent: 1, created: 1 });
    expect(peerResult(enabledAgain, targetB)).toMatchObject({ succeeded: true, sent: 0 });
    expect(await receivedTask(targetC, task.id)).toMatchObject({ settings: { paths: ['/tmp'] }, originRevision: 1 });
  }, 120_000);

  it('pages the server task log newest first, each run exactly once', async () => {
    const origin = servers[0]!;
    const started: Run[] = [];
    for (let run = 0; run < 3; run++) started.push(await runShareNow(origin));

    const logPage = async (page: { first?: number; after?: string | null; last?: number; before?: string | null }): Promise<LogPage> =>
      (
        await ok(
          origin,
          'query ($first: Int, $after: String, $last: Int, $before: String) { serverTaskLog(first: $first, after: $after, last: $last, before: $before) { totalCount edges { cursor node { id createdAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
          page,
        )
      ).serverTaskLog;
    const { totalCount } = await logPage({ first: 1 });
    const pageCount = Math.ceil(totalCount / 2);
    const pages: LogPage[] = [];
    for (let index = 0; index < pageCount; index++) pages.push(await logPage({ first: 2, after: pages.at(-1)?.pageInfo.endCursor ?? null }));

    // Each page's ends are its cursors; only the last has nothing older, and only the first nothing newer.
    for (const [index, page] of pages.entries()) {
      expect(page.pageInfo).toEqual({ hasNextPage: index < pageCount - 1, hasPreviousPage: index > 0, startCursor: page.edges[0]?.cursor, endCursor: page.edges.at(-1)?.cursor });
    }
    const paged = pages.flatMap((page) => page.edges.map((edge) => edge.node));
    expect(paged).toHaveLength(totalCount);
    expect(new Set(paged.map((run) => run.id)).size).toBe(totalCount);
    // Newest first: the three runs just made lead, the latest first, and no run is newer than the one before it.
    expect(paged.slice(0, 3).map((run) => run.id)).toEqual(started.map((run) => run.id).reverse());
    const times = paged.map((run) => Date.parse(run.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await logPage({ first: 100 })).edges.map((edge) => edge.node.id)).toEqual(paged.map((run) => run.id));

    // Past the oldest run the page is empty; paging back from the second page gives the first again.
    expect(await logPage({ first: 2, after: pages.at(-1)!.pageInfo.endCursor })).toMatchObject({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
    const back = await logPage({ last: 2, before: pages[1]!.pageInfo.startCursor });
    expect(back.edges).toEqual(pages[0]!.edges);
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  }, 120_000);
});
