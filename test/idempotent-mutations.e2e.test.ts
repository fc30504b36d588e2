import { randomUUID } from 'node:crypto';
import { createManagedEndpoint, type ManagedEndpoint, tarballBase64 } from './harness/endpoint-fixtures';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { createRotatableRecord, type RotatableRecord } from './harness/vault-fixtures';

/** A mutation that takes an idempotency key, and how to see what it did. */
interface KeyedCall {
  /** The mutation's document, taking its input as $input. */
  mutation: string;
  input: Record<string, unknown>;
  /** Other input that the mutation would act on too, were the key not already used. */
  otherInput: Record<string, unknown>;
  /** What a retry must answer as the first call did: the IDs it returned. */
  answer(data: any): unknown;
  /** Counts of the rows the mutation writes. */
  rows(): Promise<Record<string, number>>;
  /** How many rows of each count one call adds. */
  oneCallAdds: Record<string, number>;
}

describe('idempotency keys of the mutations that start work: Run Now, access requests, task imports, package check-ins', () => {
  let stack: StewardStack;
  let token: string;
  let endpoint: ManagedEndpoint;
  let record: RotatableRecord;
  let wakeupTypeId: string;

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await stack.graphql<any>(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const count = async (sql: string, params: unknown[]) => {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>(sql, params);
    return Number(row!.count);
  };
  const createWakeupTask = async () => {
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: wakeupTypeId, name: uniqueName('wakeup'), settings: {} },
    })).createClientTask.clientTask;
    return (await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id name } } }', { input: { clientTaskId: task.id, enabled: true } }))
      .setClientTaskEnabled.clientTask as { id: string; name: string };
  };

  /**
   * Calls the mutation with a key, retries it with the same key, then sends the key with other
   * input: the retry answers as the first call and writes nothing, the other input is refused.
   * Returns the first call's answer.
   */
  const expectActsOnce = async ({ mutation, input, otherInput, answer, rows, oneCallAdds }: KeyedCall) => {
    const idempotencyKey = randomUUID();
    const before = await rows();
    const added = async () => Object.fromEntries(Object.entries(await rows()).map(([name, after]) => [name, after - before[name]!]));
    const first = await stack.graphql<any>(mutation, { input: { ...input, idempotencyKey } }, token);
    expect(first.errors).toBeUndefined();
    const retry = await stack.graphql<any>(mutation, { input: { ...input, idempotencyKey } }, token);
    expect(retry.errors).toBeUndefined();
    expect(answer(retry.data)).toEqual(answer(first.data));
    expect(await added()).toEqual(oneCallAdds);

    const reused = await stack.graphql<any>(mutation, { input: { ...otherInput, idempotencyKey } }, token);
    expect(reused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('idempotency key') });
    expect(await added()).toEqual(oneCallAdds);
    return first.data;
  };

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    endpoint = await createManagedEndpoint(stack, token);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    const { products } = await ok('{ products { name taskTypes { id name } } }');
    wakeupTypeId = products.find((product: any) => product.name === 'Agent').taskTypes.find((type: any) => type.name === 'Wakeup').id;
  });

  afterAll(async () => {
    await endpoint?.remove();
    await record?.removeUser();
    await stack?.stop();
  });

  it('runClientTaskNow: a retry answers with the first run and starts no second run or job', async () => {
    const [task, otherTask] = [await createWakeupTask(), await createWakeupTask()];
    const runsOf = async (clientTaskId: string) => ({
      runs: await count('select count(*) from client_runs where client_task_id = ?', [clientTaskId]),
      jobs: await count('select count(*) from jobs where client_task_id = ?', [clientTaskId]),
    });
    const data = await expectActsOnce({
      mutation: 'mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id jobs(first: 10) { edges { node { id } } } } } }',
      input: { clientTaskId: task.id, systemIds: [endpoint.systemId] },
      otherInput: { clientTaskId: otherTask.id, systemIds: [endpoint.systemId] },
      answer: (answered) => answered.runClientTaskNow.run,
      rows: async () => ({ ...(await runsOf(task.id)), otherRuns: (await runsOf(otherTask.id)).runs }),
      oneCallAdds: { runs: 1, jobs: 1, otherRuns: 0 },
    });
    // The one job ran on the host, once.
    const ended = await eventually(async () => {
      const { clientRun } = await ok('query ($id: ID!) { clientRun(id: $id) { counts { targeted pending running completed } } }', { id: data.runClientTaskNow.run.id });
      return clientRun.counts.pending + clientRun.counts.running === 0 ? clientRun.counts : undefined;
    }, 60_000, 'the run to end');
    expect(ended).toEqual({ targeted: 1, pending: 0, running: 0, completed: 1 });
  });

  it('requestAccess: a retry answers with the first request and asks no second time', async () => {
    await expectActsOnce({
      mutation: 'mutation ($input: RequestAccessInput!) { requestAccess(input: $input) { request { id workflowId state } } }',
      input: { recordId: record.recordId, reason: 'maintenance' },
      otherInput: { recordId: record.recordId, reason: 'another maintenance' },
      answer: (answered) => answered.requestAccess.request,
      rows: async () => ({ requests: await count('select count(*) from access_requests where record_id = ?', [record.recordId]) }),
      oneCallAdds: { requests: 1 },
    });
  });

  it('importClientTasks: a retry answers with the first import and creates no second copy', async () => {
    const task = await createWakeupTask();
    const { document } = (await ok('mutation ($input: ExportClientTasksInput!) { exportClientTasks(input: $input) { document } }', { input: { clientTaskIds: [task.id] } })).exportClientTasks;
    const data = await expectActsOnce({
      mutation: 'mutation ($input: ImportClientTasksInput!) { importClientTasks(input: $input) { dryRun results { name finalName action clientTaskId } } }',
      input: { document, conflictPolicy: 'RENAME', dryRun: false },
      otherInput: { document, conflictPolicy: 'SKIP', dryRun: false },
      answer: (answered) => answered.importClientTasks,
      rows: async () => ({ tasks: await count('select count(*) from client_tasks where starts_with(name, ?)', [task.name]) }),
      oneCallAdds: { tasks: 1 },
    });
    expect(data.importClientTasks.results).toEqual([{ name: task.name, finalName: `${task.name} (2)`, action: 'RENAMED', clientTaskId: expect.any(String) }]);
  });

  it('checkInPackage: a retry answers with the first package instead of refusing the version as checked in', async () => {
    const product = uniqueName('Keyed');
    const checkIn = { product, version: '1.0.0', tarballBase64: tarballBase64({ README: 'keyed' }), installScript: 'true' };
    await expectActsOnce({
      mutation: 'mutation ($input: CheckInPackageInput!) { checkInPackage(input: $input) { package { id product version sha256 createdAt } } }',
      input: checkIn,
      otherInput: { ...checkIn, version: '1.0.1' },
      answer: (answered) => answered.checkInPackage.package,
      rows: async () => ({ packages: await count('select count(*) from product_packages where product = ?', [product]) }),
      oneCallAdds: { packages: 1 },
    });
  });
});
