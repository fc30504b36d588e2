import { groupsAndSystemsReachedBy, systemsInScope, timeZonesInScope } from '../services/assignments/scope';
import { NotFoundError } from '../services/shared/errors';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const TOKYO = 'Asia/Tokyo';
const NEXT_RUNS = 'query ($id: ID!, $count: Int, $timeZones: [String!]) { assignment(id: $id) { nextRuns(count: $count, timeZones: $timeZones) { timeZone runs } } }';

interface Node {
  id: string;
  name: string;
  version: number;
}

describe('which systems an assignment reaches', () => {
  let stack: StewardStack;
  let adminToken: string;
  let rootId: string;
  let wakeupTypeId: string;
  const fingerprint = testEnvironment().sshdFingerprint;

  const gql = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => stack.graphql<any>(query, variables, token);
  const ok = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => {
    const result = await gql(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const createGroup = async (name: string, parentId: string): Promise<Node> =>
    (await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id name version } } }', { input: { name, parentId } })).createGroup.group;
  const createSystem = async (name: string, groupId: string, timeZone: string): Promise<Node> =>
    (await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id name version } } }', { input: { name, groupId, timeZone, host: '10.0.0.5', hostKeyFingerprint: fingerprint } }))
      .createSystem.system;
  const createTask = async (name: string): Promise<{ id: string }> =>
    (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', { input: { taskTypeId: wakeupTypeId, name: uniqueName(name), settings: {} } })).createClientTask.clientTask;
  const assign = async (clientTaskId: string, node: { groupId: string } | { systemId: string }, schedule: Record<string, unknown>): Promise<string> =>
    (await ok('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', { input: { clientTaskId, ...node, schedule } })).assignClientTask.assignment.id;
  const breakAt = (node: { groupId: string } | { systemId: string }) => ok('mutation ($input: TreeNodeInput!) { breakInheritance(input: $input) { inheritanceBroken } }', { input: node });
  const resetAt = (node: { groupId: string } | { systemId: string }) => ok('mutation ($input: TreeNodeInput!) { resetInheritance(input: $input) { inheritanceBroken } }', { input: node });

  const em = () => stack.orm.em.fork();
  const scopeIds = async (assignmentId: string) => (await systemsInScope(em(), assignmentId)).map((system) => system.id);

  /** For every given system: the assignments whose scope holds it are the ones effectiveClientTasks (AssignmentService) lists for it. */
  async function expectScopesAgreeWithEffectiveTasks(systems: Node[]): Promise<void> {
    const assignments = await em().getConnection().execute<{ id: string }[]>('select id from client_task_assignments');
    const reaching = new Map<string, string[]>(systems.map((system) => [system.id, []]));
    for (const { id } of assignments) {
      for (const systemId of await scopeIds(id)) reaching.get(systemId)?.push(id);
    }
    for (const system of systems) {
      const effective = (await ok('query ($id: ID!) { effectiveClientTasks(systemId: $id) { assignment { id } } }', { id: system.id })).effectiveClientTasks.map((entry: any) => entry.assignment.id);
      expect({ system: system.name, assignments: [...reaching.get(system.id)!].sort() }).toEqual({ system: system.name, assignments: [...effective].sort() });
    }
  }

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    const { products } = await ok('{ products { name taskTypes { id name } } }');
    wakeupTypeId = products.find((p: any) => p.name === 'Agent').taskTypes.find((t: any) => t.name === 'Wakeup').id;
  });

  afterAll(() => stack?.stop());

  it('reaches a node’s subtree up to broken inheritance, pages by id, and agrees with effective tasks for every system', async () => {
    // top ─ mid ─ low (broken) ─ leaf ─ d1, d2 (broken)
    //     │     │              └ c1
    //     │     └ side ─ far (broken) ─ f1
    //     │            └ e1, e2
    //     └ mid2 ─ g1
    // other ─ h1
    const top = await createGroup(uniqueName('top'), rootId);
    const mid = await createGroup('mid', top.id);
    const low = await createGroup('low', mid.id);
    const leaf = await createGroup('leaf', low.id);
    const side = await createGroup('side', mid.id);
    const far = await createGroup('far', side.id);
    const mid2 = await createGroup('mid2', top.id);
    const other = await createGroup(uniqueName('other'), rootId);
    const [d1, d2, c1, f1, e1, e2, g1, h1] = [
      await createSystem('d1', leaf.id, BERLIN),
      await createSystem('d2', leaf.id, NEW_YORK),
      await createSystem('c1', low.id, TOKYO),
      await createSystem('f1', far.id, BERLIN),
      await createSystem('e1', side.id, 'UTC'),
      await createSystem('e2', side.id, NEW_YORK),
      await createSystem('g1', mid2.id, BERLIN),
      await createSystem('h1', other.id, TOKYO),
    ];
    const systems = [d1, d2, c1, f1, e1, e2, g1, h1];
    for (const node of [{ groupId: low.id }, { groupId: far.id }, { systemId: d2.id }]) await breakAt(node);

    const [tTop, tMid, tLow, tShared, tD2, tOther] = [await createTask('top'), await createTask('mid'), await createTask('low'), await createTask('shared'), await createTask('d2'), await createTask('other')];
    const daily = { kind: 'DAILY', startAt: '2030-01-01T09:00' };
    const aTop = await assign(tTop.id, { groupId: top.id }, daily);
    const aMid = await assign(tMid.id, { groupId: mid.id }, { kind: 'WEEKLY', startAt: '2030-01-01T09:00:00Z', weekdays: ['MONDAY'], timeBasis: 'UTC' });
    const aLow = await assign(tLow.id, { groupId: low.id }, daily);
    const aLeaf = await assign(tShared.id, { groupId: leaf.id }, daily);
    const aFar = await assign(tShared.id, { groupId: far.id }, daily);
    const aD2 = await assign(tD2.id, { systemId: d2.id }, daily);
    const aOther = await assign(tOther.id, { groupId: other.id }, daily);

    const sorted = (...nodes: Node[]) => nodes.map((node) => node.id).sort();
    expect(await scopeIds(aTop)).toEqual(sorted(e1, e2, g1));
    expect(await scopeIds(aMid)).toEqual(sorted(e1, e2));
    expect(await scopeIds(aLow)).toEqual(sorted(c1, d1));
    expect(await scopeIds(aLeaf)).toEqual(sorted(d1));
    expect(await scopeIds(aFar)).toEqual(sorted(f1));
    expect(await scopeIds(aD2)).toEqual(sorted(d2));
    expect(await scopeIds(aOther)).toEqual(sorted(h1));
    await expectScopesAgreeWithEffectiveTasks(systems);

    expect(await systemsInScope(em(), aTop, { timeZone: NEW_YORK })).toEqual([{ id: e2.id, name: 'e2', timeZone: NEW_YORK, executionNode: 'local' }]);
    expect(await timeZonesInScope(em(), aTop)).toEqual([NEW_YORK, BERLIN, 'UTC']);
    expect(await timeZonesInScope(em(), aLow)).toEqual([TOKYO, BERLIN]);

    const whole = await systemsInScope(em(), aTop);
    const firstPage = await systemsInScope(em(), aTop, { limit: 2 });
    const secondPage = await systemsInScope(em(), aTop, { limit: 2, afterId: firstPage[1]!.id });
    expect([...firstPage, ...secondPage]).toEqual(whole);
    expect(await systemsInScope(em(), aTop, { limit: 2, afterId: secondPage[0]!.id })).toEqual([]);

    expect(await groupsAndSystemsReachedBy(em(), tShared.id)).toEqual({
      groups: [{ id: far.id, name: 'far' }, { id: leaf.id, name: 'leaf' }],
      systems: [{ id: d1.id, name: 'd1' }, { id: f1.id, name: 'f1' }],
    });
    expect(await groupsAndSystemsReachedBy(em(), tTop.id)).toEqual({
      groups: [{ id: mid.id, name: 'mid' }, { id: mid2.id, name: 'mid2' }, { id: side.id, name: 'side' }, { id: top.id, name: top.name }],
      systems: [{ id: e1.id, name: 'e1' }, { id: e2.id, name: 'e2' }, { id: g1.id, name: 'g1' }],
    });

    // Move the breaks and a group: the scopes follow the tree as it is now.
    await resetAt({ groupId: low.id });
    await resetAt({ systemId: d2.id });
    await breakAt({ groupId: side.id });
    await ok('mutation ($input: MoveGroupInput!) { moveGroup(input: $input) { group { id } } }', { input: { groupId: mid2.id, parentId: other.id, version: mid2.version } });
    expect(await scopeIds(aTop)).toEqual(sorted(c1, d1, d2));
    expect(await scopeIds(aOther)).toEqual(sorted(g1, h1));
    expect(await scopeIds(aD2)).toEqual(sorted(d2));
    await expectScopesAgreeWithEffectiveTasks(systems);
  });

  it('reaches nothing for an assignment that is gone, and refuses ids that are not ids', async () => {
    const gone = '00000000-0000-4000-8000-000000000000';
    expect(await systemsInScope(em(), gone)).toEqual([]);
    expect(await timeZonesInScope(em(), gone)).toEqual([]);
    expect(await groupsAndSystemsReachedBy(em(), gone)).toEqual({ groups: [], systems: [] });
    await expect(systemsInScope(em(), 'not-an-id')).rejects.toThrow(NotFoundError);
    await expect(systemsInScope(em(), gone, { afterId: 'x' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'afterId' });
    await expect(systemsInScope(em(), gone, { limit: 0 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
  });

  it('walks a deep tree', async () => {
    let parent = await createGroup(uniqueName('deep'), rootId);
    const top = parent;
    for (let depth = 1; depth <= 30; depth++) parent = await createGroup(`level-${depth}`, parent.id);
    const bottom = await createSystem('bottom', parent.id, 'UTC');
    const assignment = await assign((await createTask('deep')).id, { groupId: top.id }, { kind: 'IMMEDIATELY' });
    expect(await scopeIds(assignment)).toEqual([bottom.id]);
    await expectScopesAgreeWithEffectiveTasks([bottom]);
  });

  describe('nextRuns', () => {
    let group: Node;
    let berlin: Node;
    let newYork: Node;
    let task: { id: string };
    const daily = { kind: 'DAILY', startAt: '2030-01-01T09:00' };
    const nextRuns = async (assignmentId: string, variables: Record<string, unknown> = {}) => gql(NEXT_RUNS, { id: assignmentId, ...variables });
    const runsOf = async (assignmentId: string, variables: Record<string, unknown> = {}) => {
      const result = await nextRuns(assignmentId, variables);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data.assignment.nextRuns.map((entry: { timeZone: string; runs: string[] }) => ({ timeZone: entry.timeZone, runs: entry.runs.map((run) => new Date(run).toISOString()) }));
    };

    beforeAll(async () => {
      group = await createGroup(uniqueName('preview'), rootId);
      berlin = await createSystem('berlin-01', group.id, BERLIN);
      newYork = await createSystem('new-york-01', group.id, NEW_YORK);
      await createSystem('berlin-02', group.id, BERLIN);
      task = await createTask('preview');
    });

    it('previews LOCAL time in every zone of the systems in scope, five runs by default', async () => {
      const assignmentId = await assign(task.id, { groupId: group.id }, daily);
      expect(await runsOf(assignmentId)).toEqual([
        { timeZone: NEW_YORK, runs: ['2030-01-01T14:00:00.000Z', '2030-01-02T14:00:00.000Z', '2030-01-03T14:00:00.000Z', '2030-01-04T14:00:00.000Z', '2030-01-05T14:00:00.000Z'] },
        { timeZone: BERLIN, runs: ['2030-01-01T08:00:00.000Z', '2030-01-02T08:00:00.000Z', '2030-01-03T08:00:00.000Z', '2030-01-04T08:00:00.000Z', '2030-01-05T08:00:00.000Z'] },
      ]);
      const [tokyo, ...more] = await runsOf(assignmentId, { count: 100, timeZones: [TOKYO, TOKYO] });
      expect(more).toEqual([]);
      expect(tokyo.timeZone).toBe(TOKYO);
      expect(tokyo.runs).toHaveLength(100);
      expect([tokyo.runs[0], tokyo.runs[99]]).toEqual(['2030-01-01T00:00:00.000Z', '2030-04-10T00:00:00.000Z']);
      expect(await runsOf(assignmentId, { count: 1, timeZones: ['UTC', BERLIN] })).toEqual([
        { timeZone: 'UTC', runs: ['2030-01-01T09:00:00.000Z'] },
        { timeZone: BERLIN, runs: ['2030-01-01T08:00:00.000Z'] },
      ]);
    });

    it('previews UTC time once, at the same instants everywhere', async () => {
      const assignmentId = await assign(task.id, { systemId: berlin.id }, { kind: 'MONTHLY', startAt: '2030-01-01T09:00:00Z', dayOfMonth: 31, timeBasis: 'UTC' });
      expect(await runsOf(assignmentId, { count: 3 })).toEqual([{ timeZone: 'UTC', runs: ['2030-01-31T09:00:00.000Z', '2030-02-28T09:00:00.000Z', '2030-03-31T09:00:00.000Z'] }]);
      const [inTokyo, inNewYork] = await runsOf(assignmentId, { count: 3, timeZones: [TOKYO, NEW_YORK] });
      expect(inTokyo.runs).toEqual(inNewYork.runs);
    });

    it('previews UTC for an empty scope, and fewer runs or none when the schedule ends', async () => {
      const empty = await createGroup(uniqueName('empty'), rootId);
      const assignmentId = await assign(task.id, { groupId: empty.id }, { kind: 'WEEKLY', startAt: '2030-01-01T09:00', weekdays: ['TUESDAY'], endDate: '2030-01-15' });
      expect(await runsOf(assignmentId)).toEqual([{ timeZone: 'UTC', runs: ['2030-01-01T09:00:00.000Z', '2030-01-08T09:00:00.000Z', '2030-01-15T09:00:00.000Z'] }]);
      const past = await assign(task.id, { systemId: newYork.id }, { kind: 'ONCE', startAt: '2020-01-01T09:00' });
      expect(await runsOf(past)).toEqual([{ timeZone: NEW_YORK, runs: [] }]);
      const immediately = await assign(task.id, { systemId: newYork.id }, { kind: 'IMMEDIATELY' });
      expect(await runsOf(immediately)).toEqual([{ timeZone: NEW_YORK, runs: [] }]);
    });

    it('refuses a count outside 1–100, zones that are not IANA zones, and callers who are not signed in', async () => {
      const assignmentId = await assign(task.id, { groupId: group.id }, daily);
      const refusals: Array<[string, Record<string, unknown>]> = [
        ['count', { count: 0 }],
        ['count', { count: 101 }],
        ['timeZones', { timeZones: ['Mars/Olympus_Mons'] }],
        ['timeZones', { timeZones: [BERLIN, ''] }],
        ['timeZones', { timeZones: [] }],
        ['timeZones', { timeZones: Array.from({ length: 51 }, (_, i) => `Zone/${i}`) }],
      ];
      for (const [field, variables] of refusals) {
        const result = await nextRuns(assignmentId, variables);
        expect({ field, variables, extensions: result.errors?.[0]?.extensions }).toMatchObject({ field, variables, extensions: { code: 'BAD_USER_INPUT', field } });
      }
      expect((await stack.graphql<any>(NEXT_RUNS, { id: assignmentId })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
