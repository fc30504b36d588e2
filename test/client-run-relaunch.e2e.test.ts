import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, type RotatableRecord } from './harness/vault-fixtures';

const RUN_FIELDS = `id trigger relaunchedFrom { id }
  counts { targeted pending running completed failed cancelled incompatible }
  jobs(first: 100) { edges { node { state system { id } } } }`;

/** A task that succeeds only on a system whose account has a `steward-ready` file; `hang` makes it wait instead of failing, to be cancelled. */
const RELAUNCH_TOOLS = {
  name: uniqueName('Relaunch Tools'),
  version: '1.0.0',
  taskTypes: [
    {
      name: 'Needs Ready',
      settingsSchema: {
        type: 'object',
        properties: { mode: { type: 'string', enum: ['fail', 'hang'] } },
        required: ['mode'],
        additionalProperties: false,
      },
      command: [
        'if [ -e "$HOME/steward-ready" ]; then echo "STEWARD-REPORT {}"; exit 0; fi',
        'if [ "$STEWARD_MODE" = hang ]; then sleep 600; fi',
        'echo "not ready" >&2',
        'exit 3',
      ].join('\n'),
    },
  ],
};

interface Endpoint {
  systemId: string;
  home: string;
}

describe('relaunching a client run on the systems that failed', () => {
  let stack: StewardStack;
  let token: string;
  let rootId: string;
  let typeId: string;
  const accounts: RotatableRecord[] = [];
  const env = () => testEnvironment();

  const gql = async (query: string, variables: Record<string, unknown> = {}) => stack.graphql<any>(query, variables, token);
  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await gql(query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  const createEndpoint = async (groupId: string): Promise<Endpoint> => {
    const account = await createRotatableRecord(stack, token);
    accounts.push(account);
    const input = {
      name: uniqueName(account.username),
      groupId,
      host: env().sshdHost,
      port: env().sshdPort,
      credentialRecordId: account.recordId,
      hostKeyFingerprint: env().sshdFingerprint,
    };
    const system = (await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', { input })).createSystem.system;
    return { systemId: system.id, home: path.join(os.tmpdir(), `steward-home-${account.username}`) };
  };
  const makeReady = (endpoint: Endpoint) => writeFileSync(path.join(endpoint.home, 'steward-ready'), '');
  const createTask = async (mode: 'fail' | 'hang') => {
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: typeId, name: uniqueName('relaunch'), settings: { mode } },
    })).createClientTask.clientTask;
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.id, enabled: true } });
    return task.id as string;
  };
  const runNow = async (clientTaskId: string, endpoints: Endpoint[]) =>
    (await ok(`mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { ${RUN_FIELDS} } } }`, {
      input: { clientTaskId, systemIds: endpoints.map((endpoint) => endpoint.systemId) },
    })).runClientTaskNow.run;
  const relaunch = (runId: string, idempotencyKey?: string) =>
    gql(`mutation ($input: RelaunchClientRunInput!) { relaunchClientRun(input: $input) { run { ${RUN_FIELDS} } } }`, { input: { runId, only: 'FAILED', idempotencyKey } });
  const relaunched = async (runId: string, idempotencyKey?: string) => {
    const result = await relaunch(runId, idempotencyKey);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.relaunchClientRun.run;
  };
  const run = async (id: string) => (await ok(`query ($id: ID!) { clientRun(id: $id) { ${RUN_FIELDS} } }`, { id })).clientRun;
  const settled = (id: string) =>
    eventually(async () => {
      const current = await run(id);
      return current.counts.pending + current.counts.running === 0 ? current : undefined;
    }, 120_000, `run ${id} to end`);
  const systemsOf = (current: { jobs: { edges: { node: { system: { id: string } } }[] } }) => current.jobs.edges.map((edge) => edge.node.system.id).sort();
  const ids = (endpoints: Endpoint[]) => endpoints.map((endpoint) => endpoint.systemId).sort();
  const createGroup = async () =>
    (await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName('relaunch'), parentId: rootId } })).createGroup.group.id as string;

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    const product = (await ok('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest: RELAUNCH_TOOLS } }))
      .checkInProduct.product;
    typeId = product.taskTypes[0].id;
  });

  afterAll(async () => {
    await stack?.stop();
    for (const account of accounts) await account.removeUser();
  });

  it('runs again only where jobs failed, as a new run linked to the original, once per idempotency key, until nothing is left', async () => {
    const group = await createGroup();
    const [ready, fixedLater, stillBroken] = [await createEndpoint(group), await createEndpoint(group), await createEndpoint(group)];
    makeReady(ready);
    const taskId = await createTask('fail');
    const original = await settled((await runNow(taskId, [ready, fixedLater, stillBroken])).id);
    expect(original.counts).toMatchObject({ targeted: 3, completed: 1, failed: 2 });
    expect(original.relaunchedFrom).toBeNull();

    makeReady(fixedLater);
    const key = `relaunch-${original.id}`;
    const first = await relaunched(original.id, key);
    expect(first.trigger).toBe('RUN_NOW');
    expect(first.relaunchedFrom).toEqual({ id: original.id });
    expect(systemsOf(first)).toEqual(ids([fixedLater, stillBroken]));
    // A retry with the same key returns the same run and starts nothing new.
    expect((await relaunched(original.id, key)).id).toBe(first.id);
    const { clientRuns } = await ok('query ($filter: ClientRunFilterInput) { clientRuns(filter: $filter, first: 10) { totalCount } }', { filter: { clientTaskId: taskId } });
    expect(clientRuns.totalCount).toBe(2);

    const second = await settled(first.id);
    expect(second.counts).toMatchObject({ targeted: 2, completed: 1, failed: 1 });
    const stillFailing = second.jobs.edges.filter((edge: any) => edge.node.state === 'ERROR').map((edge: any) => edge.node.system.id);
    expect(stillFailing).toEqual([stillBroken.systemId]);

    // A relaunch of the relaunch reaches only the system still failing; once that works, there is nothing left to relaunch.
    makeReady(stillBroken);
    const third = await settled((await relaunched(second.id)).id);
    expect(third.relaunchedFrom).toEqual({ id: second.id });
    expect(systemsOf(third)).toEqual([stillBroken.systemId]);
    expect(third.counts).toMatchObject({ targeted: 1, completed: 1 });
    const nothingLeft = await relaunch(third.id);
    expect(nothingLeft.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(nothingLeft.errors?.[0]?.message).toMatch(/nothing to relaunch/);
  });

  it('refuses a run that is still going, and relaunches the jobs it cancelled once it has ended', async () => {
    const group = await createGroup();
    const endpoint = await createEndpoint(group);
    const taskId = await createTask('hang');
    const started = await runNow(taskId, [endpoint]);
    await eventually(async () => ((await run(started.id)).counts.running === 1 ? true : undefined), 60_000, 'the job to run');
    const early = await relaunch(started.id);
    expect(early.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(early.errors?.[0]?.message).toMatch(/still going/);

    await ok('mutation ($input: CancelClientRunInput!) { cancelClientRun(input: $input) { run { id } } }', { input: { runId: started.id } });
    expect((await settled(started.id)).counts).toMatchObject({ targeted: 1, cancelled: 1 });
    makeReady(endpoint);
    const again = await settled((await relaunched(started.id)).id);
    expect(again.relaunchedFrom).toEqual({ id: started.id });
    expect(again.counts).toMatchObject({ targeted: 1, completed: 1 });
  });
});
