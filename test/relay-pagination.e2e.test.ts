import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

interface NamedPage {
  totalCount?: number;
  pageInfo: PageInfo;
  edges: { cursor: string; node: { name: string } }[];
}

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const GROUPS = `query ($first: Int, $after: String, $last: Int, $before: String) {
  userGroups(first: $first, after: $after, last: $last, before: $before) { totalCount ${PAGE_INFO} edges { cursor node { name } } }
}`;
const USERS = `query ($first: Int, $after: String, $last: Int, $before: String) {
  users(first: $first, after: $after, last: $last, before: $before) { ${PAGE_INFO} edges { cursor node { name: username } } }
}`;

/** Relay paging both ways, on a database of the test's own so every row in a connection is one it made. */
describe('Relay cursor connections: forward and backward', () => {
  let stack: StewardStack;
  let databaseUrl: string;
  let token: string;
  const groupNames: string[] = [];

  const page = async (query: string, field: 'userGroups' | 'users', args: Record<string, unknown>): Promise<NamedPage> => {
    const result = await stack.graphql<Record<string, NamedPage>>(query, args, token);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data[field]!;
  };
  const names = (connection: NamedPage) => connection.edges.map((edge) => edge.node.name);

  beforeAll(async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_relay_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ databaseUrl, worker: false });
    token = await stack.signIn(ADMIN_ROLES);
    for (let i = 0; i < 5; i += 1) {
      const name = uniqueName(`group${i}`);
      const created = await stack.graphql('mutation ($input: CreateUserGroupInput!) { createUserGroup(input: $input) { group { id } } }', { input: { name } }, token);
      if (created.errors) throw new Error(JSON.stringify(created.errors));
      groupNames.push(name);
    }
  });

  afterAll(async () => {
    await stack?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  it('pages back from a cursor to the same edges, newest first, with page info on both sides', async () => {
    const newestFirst = [...groupNames].reverse();
    const first = await page(GROUPS, 'userGroups', { first: 2 });
    expect(names(first)).toEqual(newestFirst.slice(0, 2));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: first.edges[0]!.cursor, endCursor: first.edges[1]!.cursor });
    const second = await page(GROUPS, 'userGroups', { first: 2, after: first.pageInfo.endCursor });
    expect(names(second)).toEqual(newestFirst.slice(2, 4));
    expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const back = await page(GROUPS, 'userGroups', { last: 2, before: second.pageInfo.startCursor });
    expect(names(back)).toEqual(newestFirst.slice(0, 2));
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: first.pageInfo.startCursor, endCursor: first.pageInfo.endCursor });
    const partial = await page(GROUPS, 'userGroups', { last: 3, before: second.edges[1]!.cursor });
    expect(names(partial)).toEqual(newestFirst.slice(0, 3));
    expect(partial.pageInfo.hasPreviousPage).toBe(false);
    expect(partial.totalCount).toBe(5);
  });

  it('reads the oldest rows with last alone, and says newer ones precede them', async () => {
    const oldest = await page(GROUPS, 'userGroups', { last: 2 });
    expect(names(oldest)).toEqual([groupNames[1], groupNames[0]]);
    expect(oldest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const users = await page(USERS, 'users', { last: 1 });
    expect(users.edges).toHaveLength(1);
    const newer = await page(USERS, 'users', { last: 100, before: users.pageInfo.startCursor });
    const everyone = await page(USERS, 'users', { first: 100 });
    expect([...names(newer), ...names(users)]).toEqual(names(everyone));
    expect(newer.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('refuses mixing the two directions, and page sizes out of range', async () => {
    const mixed = await stack.graphql(GROUPS, { first: 2, last: 2 }, token);
    expect(mixed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const crossed = await stack.graphql(GROUPS, { last: 2, after: (await page(GROUPS, 'userGroups', { first: 1 })).pageInfo.endCursor }, token);
    expect(crossed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await stack.graphql(GROUPS, { last: 101 }, token);
    expect(tooMany.errors?.[0]?.extensions?.code).toBeDefined();
    const badCursor = await stack.graphql(GROUPS, { last: 2, before: 'not-a-cursor' }, token);
    expect(badCursor.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
