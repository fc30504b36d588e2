import { Role } from '../lib/enums';
import { logger } from '../infra/logger';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const SCHEDULE = { kind: 'DAILY', startAt: '2030-01-01T09:00', timeBasis: 'LOCAL' };
const PAGE_FIELDS = 'totalCount edges { node { id node { kind id } clientTask { id } } } pageInfo { hasNextPage endCursor }';

describe('Client Task Assignments: the assignments of a task, on the task and as pages', () => {
  let stack: StewardStack;
  let token: string;
  let rootId: string;
  let typeId: string;

  const gql = async (query: string, variables: Record<string, unknown> = {}, as = token) => stack.graphql<any>(query, variables, as);
  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await gql(query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const createGroup = async () =>
    (await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName('assigned'), parentId: rootId } })).createGroup.group.id as string;
  const createSystem = async (groupId: string) =>
    (await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', {
      input: { name: uniqueName('system'), groupId, host: testEnvironment().sshdHost, hostKeyFingerprint: testEnvironment().sshdFingerprint },
    })).createSystem.system.id as string;
  const createTask = async () =>
    (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', { input: { taskTypeId: typeId, name: uniqueName('task'), settings: {} } }))
      .createClientTask.clientTask.id as string;
  const assign = async (clientTaskId: string, node: { groupId: string } | { systemId: string }) =>
    (await ok('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', { input: { clientTaskId, ...node, schedule: SCHEDULE } }))
      .assignClientTask.assignment.id as string;
  const page = (filter: Record<string, unknown>, first: number, after?: string, as = token) =>
    gql(`query ($filter: AssignmentFilterInput!, $first: Int, $after: String) { assignments(filter: $filter, first: $first, after: $after) { ${PAGE_FIELDS} } }`, { filter, first, after }, as);

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    token = await stack.signIn(ADMIN_ROLES);
    rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    const manifest = { name: uniqueName('Assigned Tools'), version: '1.0.0', taskTypes: [{ name: 'Noop', settingsSchema: { type: 'object' }, command: 'true' }] };
    typeId = (await ok('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest } })).checkInProduct.product
      .taskTypes[0].id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists where a task is assigned, on the task oldest first and as pages newest first, filtered by group', async () => {
    const [groupA, groupB] = [await createGroup(), await createGroup()];
    const systemId = await createSystem(groupB);
    const [task, other] = [await createTask(), await createTask()];
    const atA = await assign(task, { groupId: groupA });
    const atB = await assign(task, { groupId: groupB });
    const atSystem = await assign(task, { systemId });
    const otherAtA = await assign(other, { groupId: groupA });

    const { clientTask } = await ok('query ($id: ID!) { clientTask(id: $id) { assignments { id node { kind id } } } }', { id: task });
    expect(clientTask.assignments).toEqual([
      { id: atA, node: { kind: 'GROUP', id: groupA } },
      { id: atB, node: { kind: 'GROUP', id: groupB } },
      { id: atSystem, node: { kind: 'SYSTEM', id: systemId } },
    ]);

    const first = (await page({ clientTaskId: task }, 2)).data.assignments;
    expect(first.totalCount).toBe(3);
    expect(first.edges.map((edge: any) => edge.node.id)).toEqual([atSystem, atB]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await page({ clientTaskId: task }, 2, first.pageInfo.endCursor)).data.assignments;
    expect(rest.edges.map((edge: any) => edge.node.id)).toEqual([atA]);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    // At one group: only what was assigned there, of this task and not the other one assigned there too.
    const atGroup = (await page({ clientTaskId: task, systemTreeGroupId: groupA }, 10)).data.assignments;
    expect(atGroup.edges.map((edge: any) => edge.node.id)).toEqual([atA]);
    expect((await page({ clientTaskId: other }, 10)).data.assignments.edges.map((edge: any) => edge.node.id)).toEqual([otherAtA]);
  });

  it('loads the assignments of a whole page of tasks in one query, not one per task', async () => {
    const group = await createGroup();
    const tasks = [await createTask(), await createTask(), await createTask(), await createTask()];
    for (const task of tasks) await assign(task, { groupId: group });
    const queries: string[] = [];
    const spy = jest.spyOn(logger, 'info').mockImplementation(((fields: { namespace?: string }, message: string) => {
      if (fields?.namespace === 'query') queries.push(message);
    }) as never);
    // Set through the configuration: MikroORM puts its logger back to the configured mode whenever the configuration changes.
    stack.orm.config.set('debug', ['query']);
    let listed: any;
    try {
      listed = await ok('{ clientTasks(first: 10) { edges { node { id assignments { id clientTask { id } } } } } }');
    } finally {
      stack.orm.config.set('debug', false);
      spy.mockRestore();
    }
    for (const task of tasks) {
      const node = listed.clientTasks.edges.find((edge: any) => edge.node.id === task).node;
      expect(node.assignments).toEqual([{ id: expect.any(String), clientTask: { id: task } }]);
    }
    expect(queries.filter((query) => /from "client_task_assignments"/.test(query))).toHaveLength(1);
  });

  it('shows assignments only to those who may view the task', async () => {
    const task = await createTask();
    await assign(task, { groupId: await createGroup() });
    const operator = await stack.signIn([Role.OPERATOR]);
    const refused = await page({ clientTaskId: task }, 10, undefined, operator);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data).toBeNull();
    const missing = await page({ clientTaskId: '00000000-0000-4000-8000-000000000000' }, 10);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
