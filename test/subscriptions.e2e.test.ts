import { randomUUID } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createManagedEndpoint, type ManagedEndpoint } from './harness/endpoint-fixtures';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand } from './harness/vault-fixtures';

const JOB_UPDATED = `subscription ($filter: JobFilterInput) { jobUpdated(filter: $filter) { state changedAt job { id state } } }`;
const RUN_UPDATED = `subscription ($runId: ID!) { clientRunUpdated(runId: $runId) { counts { targeted pending running completed failed cancelled incompatible } run { id } } }`;
const JOB_OUTPUT = `subscription ($jobId: ID!) { jobOutput(jobId: $jobId) { id stream text at } }`;
const ADD_TASK = `mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }`;

/** What a subscription delivered so far; `ended` settles when it completes or fails. */
interface Collected<T> {
  events: T[];
  errors: unknown[];
  ended: Promise<void>;
  isEnded(): boolean;
  stop(): void;
}

describe('live updates: GraphQL subscriptions over WebSocket', () => {
  let stack: StewardStack;
  let adminToken: string;
  /** Signed in, with no role, no record grant and no permission set: may view none of the objects below. */
  let outsiderToken: string;
  const clients: Client[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  const connect = (token: string | null): Client => {
    const client = createClient({
      url: stack.api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
    });
    clients.push(client);
    return client;
  };

  const collect = <T>(client: Client, query: string, variables: Record<string, unknown> = {}): Collected<T> => {
    const events: T[] = [];
    const errors: unknown[] = [];
    let ended = false;
    let stop: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      stop = client.subscribe<T>(
        { query, variables },
        {
          next: (result) => (result.errors ? errors.push(...result.errors) : events.push(result.data as T)),
          error: (error) => {
            errors.push(error);
            ended = true;
            resolve();
          },
          complete: () => {
            ended = true;
            resolve();
          },
        },
      );
    });
    return { events, errors, ended: done, isEnded: () => ended, stop };
  };

  /**
   * Waits until the server has taken the client's earlier subscribe messages: a subscription to
   * a run that does not exist completes only after the server has read it, and messages of one
   * socket are taken in order.
   */
  const settle = async (client: Client) => {
    const probe = collect(client, RUN_UPDATED, { runId: randomUUID() });
    await probe.ended;
    expect(probe.events).toEqual([]);
  };

  beforeAll(async () => {
    stack = await startStewardStack();
    adminToken = await stack.signIn(ADMIN_ROLES);
    outsiderToken = await stack.signIn([]);
  });

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    for (const cleanup of cleanups) await cleanup();
    await stack?.stop();
  });

  it('refuses a connection without a valid token, for each subscription', async () => {
    for (const token of [null, 'not-a-token']) {
      for (const [query, variables] of [
        [JOB_UPDATED, {}],
        [RUN_UPDATED, { runId: randomUUID() }],
        [JOB_OUTPUT, { jobId: randomUUID() }],
      ] as const) {
        const refused = collect(connect(token), query, variables);
        await refused.ended;
        expect(refused.events).toEqual([]);
        expect((refused.errors[0] as { code?: number }).code).toBe(4403);
      }
    }
  });

  it('takes only subscriptions over WebSocket; queries go over HTTP', async () => {
    const query = collect(connect(adminToken), '{ me { id } }');
    await query.ended;
    expect(query.events).toEqual([]);
    expect(JSON.stringify(query.errors)).toContain('Send only subscriptions over WebSocket');
  });

  it('streams the state changes of a rotation in order, to those who may view the record only', async () => {
    const record: RotatableRecord = await createRotatableRecord(stack, adminToken);
    cleanups.push(record.removeUser);
    const admin = connect(adminToken);
    const outsider = connect(outsiderToken);
    const watched = collect<{ jobUpdated: { state: string; changedAt: string; job: { id: string } } }>(admin, JOB_UPDATED, { filter: { recordId: record.recordId } });
    const otherRecord = collect(admin, JOB_UPDATED, { filter: { recordId: randomUUID() } });
    const unfiltered = collect(outsider, JOB_UPDATED);
    await Promise.all([settle(admin), settle(outsider)]);

    const job = await runOnDemand(stack, adminToken, record.recordId, record.taskId);
    const ended = await finishedJob(stack, adminToken, job.id);
    expect(ended.state).toBe('COMPLETED');
    await eventually(async () => (watched.events.some((event) => event.jobUpdated.state === 'COMPLETED') ? true : undefined), 10_000, 'the Completed event');
    expect(watched.events.map((event) => event.jobUpdated.state)).toEqual(['SCHEDULED', 'RUNNING', 'COMPLETED']);
    expect(new Set(watched.events.map((event) => event.jobUpdated.job.id))).toEqual(new Set([job.id]));
    const times = watched.events.map((event) => Date.parse(event.jobUpdated.changedAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(otherRecord.events).toEqual([]);
    expect(unfiltered.events).toEqual([]);
    expect(unfiltered.isEnded()).toBe(false);
  });

  it('streams the lines of a long custom command while it runs; a late subscriber gets the earlier lines first', async () => {
    const record: RotatableRecord = await createRotatableRecord(stack, adminToken, { script: 'VERIFY_PASSWORD' });
    cleanups.push(record.removeUser);
    const type = await stack.graphql<any>('query ($id: ID!) { record(id: $id) { recordType { id } } }', { id: record.recordId }, adminToken);
    const added = await stack.graphql<any>(
      ADD_TASK,
      {
        input: {
          recordTypeId: type.data.record.recordType.id,
          task: { name: 'Count slowly', script: 'CUSTOM_COMMAND', policyEvents: ['ON_DEMAND'], scriptParameters: { command: 'for i in 1 2 3; do echo line$i; sleep 1; done; echo oops >&2' } },
        },
      },
      adminToken,
    );
    expect(added.errors).toBeUndefined();
    const job = await runOnDemand(stack, adminToken, record.recordId, added.data.addRecordTypeTask.task.id);
    type Line = { jobOutput: { id: string; stream: string; text: string } };
    const early = collect<Line>(connect(adminToken), JOB_OUTPUT, { jobId: job.id });
    const outsider = collect<Line>(connect(outsiderToken), JOB_OUTPUT, { jobId: job.id });

    // The first line arrives while the command still runs.
    await eventually(async () => (early.events.length ? true : undefined), 60_000, 'the first line');
    expect(early.events[0]!.jobOutput).toMatchObject({ stream: 'STDOUT', text: 'line1' });
    const running = await stack.graphql<any>('query ($id: ID!) { job(id: $id) { state } }', { id: job.id }, adminToken);
    expect(running.data.job.state).toBe('RUNNING');
    expect(early.isEnded()).toBe(false);

    await eventually(async () => (early.events.length >= 2 ? true : undefined), 10_000, 'the second line');
    const late = collect<Line>(connect(adminToken), JOB_OUTPUT, { jobId: job.id });
    await Promise.all([early.ended, late.ended]);
    const texts = (collected: Collected<Line>) => collected.events.map((event) => event.jobOutput.text);
    expect(texts(early)).toEqual(['line1', 'line2', 'line3', 'oops']);
    expect(texts(late)).toEqual(['line1', 'line2', 'line3', 'oops']);
    expect(late.events.map((event) => event.jobOutput.stream)).toEqual(['STDOUT', 'STDOUT', 'STDOUT', 'STDERR']);
    const ids = early.events.map((event) => BigInt(event.jobOutput.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);

    // The kept output is as before streaming existed; the outsider got nothing.
    const finished = await finishedJob(stack, adminToken, job.id);
    expect(finished.details).toEqual({ exitCode: 0, output: 'line1\nline2\nline3\n\noops' });
    await outsider.ended;
    expect(outsider.events).toEqual([]);
    expect(outsider.errors).toEqual([]);
  });

  it("streams a client task job's lines while it runs, without the endpoint's report line", async () => {
    const endpoint = await createManagedEndpoint(stack, adminToken);
    cleanups.push(endpoint.remove);
    const product = `Counter${randomUUID().slice(0, 8)}`;
    const checkedIn = await stack.graphql<any>('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', {
      input: {
        manifest: {
          name: product,
          version: '1.0.0',
          taskTypes: [{ name: 'Count', settingsSchema: { type: 'object' }, command: 'for i in 1 2 3; do echo "count $i"; sleep 1; done; echo "STEWARD-REPORT {\\"summary\\":\\"counted\\"}"' }],
        },
      },
    }, adminToken);
    expect(checkedIn.errors).toBeUndefined();
    const created = await stack.graphql<any>('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: checkedIn.data.checkInProduct.product.taskTypes[0].id, name: `count-${randomUUID().slice(0, 8)}`, settings: {} },
    }, adminToken);
    const taskId = created.data.createClientTask.clientTask.id;
    await stack.graphql('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: taskId, enabled: true } }, adminToken);
    const started = await stack.graphql<any>('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id } } }', {
      input: { clientTaskId: taskId, systemIds: [endpoint.systemId] },
    }, adminToken);
    expect(started.errors).toBeUndefined();
    const jobId = await eventually(async () => {
      const { data } = await stack.graphql<any>('query ($id: ID!) { clientRun(id: $id) { jobs { edges { node { id } } } } }', { id: started.data.runClientTaskNow.run.id }, adminToken);
      return data.clientRun.jobs.edges[0]?.node.id as string | undefined;
    }, 30_000, "the run's job");

    type Line = { jobOutput: { stream: string; text: string } };
    const watched = collect<Line>(connect(adminToken), JOB_OUTPUT, { jobId });
    const outsider = collect<Line>(connect(outsiderToken), JOB_OUTPUT, { jobId });
    await eventually(async () => (watched.events.length ? true : undefined), 60_000, 'the first line');
    const running = await stack.graphql<any>('query ($id: ID!) { job(id: $id) { state } }', { id: jobId }, adminToken);
    expect(running.data.job.state).toBe('RUNNING');

    await watched.ended;
    expect(watched.errors).toEqual([]);
    expect(watched.events.map(({ jobOutput: { stream, text } }) => ({ stream, text }))).toEqual([1, 2, 3].map((i) => ({ stream: 'STDOUT', text: `count ${i}` })));
    const finished = await finishedJob(stack, adminToken, jobId);
    expect(finished.state).toBe('COMPLETED');
    await outsider.ended;
    expect(outsider.events).toEqual([]);
  });

  it('streams the counts of a Run Now on three systems until they are final; nothing for a user without the product', async () => {
    const endpoints: ManagedEndpoint[] = await Promise.all([1, 2, 3].map(() => createManagedEndpoint(stack, adminToken)));
    cleanups.push(async () => {
      for (const endpoint of endpoints) await endpoint.remove();
    });
    const { data: catalog } = await stack.graphql<any>('{ products { name taskTypes { id name } } }', {}, adminToken);
    const wakeupTypeId = catalog.products.find((p: { name: string }) => p.name === 'Agent').taskTypes.find((t: { name: string }) => t.name === 'Wakeup').id;
    const created = await stack.graphql<any>('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: wakeupTypeId, name: `wake-${randomUUID().slice(0, 8)}`, settings: {} },
    }, adminToken);
    const taskId = created.data.createClientTask.clientTask.id;
    await stack.graphql('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: taskId, enabled: true } }, adminToken);

    const started = await stack.graphql<any>('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id } } }', {
      input: { clientTaskId: taskId, systemIds: endpoints.map((endpoint) => endpoint.systemId) },
    }, adminToken);
    expect(started.errors).toBeUndefined();
    const runId = started.data.runClientTaskNow.run.id;
    type Update = { clientRunUpdated: { counts: Record<string, number>; run: { id: string } } };
    const watched = collect<Update>(connect(adminToken), RUN_UPDATED, { runId });
    const outsider = collect<Update>(connect(outsiderToken), RUN_UPDATED, { runId });

    await watched.ended;
    expect(watched.errors).toEqual([]);
    const counts = watched.events.map((event) => event.clientRunUpdated.counts);
    expect(counts.at(-1)).toEqual({ targeted: 3, pending: 0, running: 0, completed: 3, failed: 0, cancelled: 0, incompatible: 0 });
    // Counts only move forward: what has ended never goes back.
    const ended = counts.map((c) => c.completed + c.failed + c.cancelled + c.incompatible);
    expect([...ended].sort((a, b) => a - b)).toEqual(ended);
    expect(watched.events.every((event) => event.clientRunUpdated.run.id === runId)).toBe(true);
    await outsider.ended;
    expect(outsider.events).toEqual([]);
  });

  it('closes its sockets when the API shuts down', async () => {
    const own = await startStewardStack({ worker: false });
    const token = await own.signIn(ADMIN_ROLES);
    const client = createClient({ url: own.api.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    clients.push(client);
    const open = collect(client, JOB_UPDATED);
    await settle(client);
    await own.stop();
    await open.ended;
    expect((open.errors[0] as { code?: number }).code).toBe(1001);
  });
});
