import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Role } from '../lib/enums';
import { startStewardStack, type GraphqlResult, type StewardStack } from './harness/steward';

/** `{ jobs { edges { node { record { jobs { edges { node … } } } } } } }`, `hops` record→jobs hops deep, with `leaf` innermost. */
function nestedJobsQuery(hops: number, leaf: string): string {
  let selection = leaf;
  for (let i = 0; i < hops; i++) selection = `edges { node { record { jobs(first: 1) { ${selection} } } } }`;
  return `{ jobs(first: 1) { ${selection} } }`;
}

/** 1100 per alias: 100 × (edges 1 + node 1 + events 5 + record 4); the events, a plain list, count as 5 × kind 1. */
const EXPENSIVE_JOBS = 'jobs(first: 100) { edges { node { events { kind } record { name recordType { name } } } } }';

function aliases(count: number, field: string, operation = ''): string {
  return `${operation} { ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

function firstError(result: GraphqlResult): { message: string; extensions?: { code?: string } } {
  expect(result.errors).toBeDefined();
  expect(result.errors!.length).toBeGreaterThan(0);
  return result.errors![0]!;
}

interface HttpAnswer {
  status: number;
  body: GraphqlResult;
}

/** POSTs a request body as is and keeps the HTTP status, which the harness's `graphql` does not. */
async function post(stack: StewardStack, body: unknown, token?: string): Promise<HttpAnswer> {
  const response = await fetch(stack.api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as GraphqlResult };
}

/** Refused before anything ran: a 400, the code, and no data. */
function expectRefused(answer: HttpAnswer, code: string, message: RegExp): void {
  expect(answer.status).toBe(400);
  const error = firstError(answer.body);
  expect(error.extensions?.code).toBe(code);
  expect(error.message).toMatch(message);
  expect(answer.body.data ?? undefined).toBeUndefined();
}

/** Fragment F<n> spreads F<n-1> twice: F16 stands for 65,536 `id` fields in 17 short fragments. */
function fragmentFanOut(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i + 1} on User { ...F${i} ...F${i} }`);
  return `{ me { ...F${levels} } } fragment F0 on User { id } ${fragments.join(' ')}`;
}

describe('query limits', () => {
  let stack: StewardStack;
  let token: string;

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    token = await stack.signIn([Role.OPERATOR]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('depth', () => {
    // jobs 1, edges 2, node 3, record 4, jobs 5, edges 6, node 7, record 8, jobs 9, edges 10.
    const atLimit = '{ jobs(first: 1) { edges { node { record { jobs(first: 1) { edges { node { record { jobs(first: 1) { totalCount } } } } } } } } } }';
    // One level more: edges 10, cursor 11.
    const overLimit = '{ jobs(first: 1) { edges { node { record { jobs(first: 1) { edges { node { record { jobs(first: 1) { edges { cursor } } } } } } } } } } }';

    it('runs a query nested exactly 10 fields deep', async () => {
      const result = await stack.graphql(atLimit, undefined, token);
      expect(result.errors).toBeUndefined();
      expect(Array.isArray(result.data?.jobs.edges)).toBe(true);
    });

    it('refuses a query nested deeper than 10 fields with a 400 before running it', async () => {
      expectRefused(await post(stack, { query: overLimit }, token), 'GRAPHQL_VALIDATION_FAILED', /^Query depth limit of 10 exceeded, found 11\.$/);
    });

    it('refuses a much deeper query, without data', async () => {
      expectRefused(await post(stack, { query: nestedJobsQuery(12, 'totalCount') }, token), 'GRAPHQL_VALIDATION_FAILED', /depth limit of 10/);
    });

    it('counts depth through fragments too', async () => {
      const query = `
        query { jobs(first: 1) { ...Page } }
        fragment Page on JobConnection { edges { node { record { jobs(first: 1) { edges { node { ...Deep } } } } } } }
        fragment Deep on Job { record { jobs(first: 1) { edges { cursor } } } }`;
      expectRefused(await post(stack, { query }, token), 'GRAPHQL_VALIDATION_FAILED', /^Query depth limit of 10 exceeded, found 11\.$/);
    });

    it('refuses a too-deep query even without credentials, as a validation error rather than UNAUTHENTICATED', async () => {
      expectRefused(await post(stack, { query: overLimit }), 'GRAPHQL_VALIDATION_FAILED', /depth limit of 10/);
    });
  });

  describe('complexity', () => {
    it('runs a query that costs 1100, under the limit of 2000', async () => {
      const result = await stack.graphql(aliases(1, EXPENSIVE_JOBS), undefined, token);
      expect(result.errors).toBeUndefined();
      expect(Array.isArray(result.data?.a0.edges)).toBe(true);
    });

    it('refuses a query that costs 2200 with a 400 and BAD_USER_INPUT, naming the cost and the limit', async () => {
      expectRefused(await post(stack, { query: aliases(2, EXPENSIVE_JOBS) }, token), 'BAD_USER_INPUT', /costs 2200, over the limit of 2000/);
    });

    it('counts nested connections as the product of their page sizes', async () => {
      const query = '{ jobs(first: 50) { edges { node { record { jobs(first: 50) { totalCount } } } } } }';
      expectRefused(await post(stack, { query }, token), 'BAD_USER_INPUT', /over the limit of 2000/);
    });

    it('counts a connection without first at the default page size of 25', async () => {
      // 25 × (edges 1 + node 1 + record 4) = 150 per alias; 14 aliases = 2100.
      const field = 'jobs { edges { node { record { name recordType { name } } } } }';
      expect((await stack.graphql(aliases(13, field), undefined, token)).errors).toBeUndefined();
      expectRefused(await post(stack, { query: aliases(14, field) }, token), 'BAD_USER_INPUT', /costs 2100, over the limit of 2000/);
    });

    it('counts a page size given as a variable', async () => {
      const query = aliases(2, EXPENSIVE_JOBS.replace('first: 100', 'first: $first'), 'query ($first: Int)');
      const halfPages = await post(stack, { query, variables: { first: 50 } }, token);
      expect(halfPages.status).toBe(200);
      expect(halfPages.body.errors).toBeUndefined();
      expectRefused(await post(stack, { query, variables: { first: 100 } }, token), 'BAD_USER_INPUT', /costs 2200, over the limit of 2000/);
    });

    it('counts a plain list as 5 items, and nested plain lists as the product', async () => {
      // systemTree is the one root group (1 + what it asks for); each level of children below it multiplies by 5.
      const tree = (levels: number): string => `{ systemTree { ${'children { '.repeat(levels)}name${' }'.repeat(levels)} } }`;
      const fourLevels = await stack.graphql(tree(4), undefined, token);
      expect(fourLevels.errors).toBeUndefined();
      expect(fourLevels.data?.systemTree).toHaveLength(1);
      expectRefused(await post(stack, { query: tree(5) }, token), 'BAD_USER_INPUT', /costs 3126, over the limit of 2000/);
    });

    it('does not let a negative page size offset the cost of the rest of the query', async () => {
      // 3 × 1100 = 3300 for the expensive aliases; a page size of -1 000 000 on another field must not pay for it.
      const query = `{ ${Array.from({ length: 3 }, (_, i) => `a${i}: ${EXPENSIVE_JOBS}`).join(' ')} offset: jobs(first: -1000000) { totalCount } }`;
      // Refused by the complexity limit before anything runs, not by the page-size check of one field after the others ran.
      expectRefused(await post(stack, { query }, token), 'BAD_USER_INPUT', /over the limit of 2000/);
    });

    it('refuses fragments that fan out past what can be costed, rather than running them uncosted', async () => {
      expectRefused(await post(stack, { query: fragmentFanOut(16) }, token), 'BAD_USER_INPUT', /too many fields to cost/);
    });

    it('reports a variable of the wrong type as BAD_USER_INPUT, not as an internal error', async () => {
      const result = await stack.graphql('query ($first: Int) { jobs(first: $first) { totalCount } }', { first: 'ten' }, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/\$first/);
      expect(result.data ?? undefined).toBeUndefined();
    });
  });

  describe('document shape: each refused with a 400 before anything runs', () => {
    const loginMutation = (count: number): string => aliases(count, 'login(input: { username: "nobody", password: "wrong-password" }) { token }', 'mutation');

    it('refuses 1,000 aliased logins at the token limit', async () => {
      expectRefused(await post(stack, { query: loginMutation(1000) }), 'GRAPHQL_PARSE_FAILED', /1000 tokens/);
    });

    it('refuses 16 aliased fields, over the alias limit of 15', async () => {
      expect((await stack.graphql(aliases(15, 'me { id }'), undefined, token)).errors).toBeUndefined();
      expectRefused(await post(stack, { query: aliases(16, 'me { id }') }, token), 'GRAPHQL_VALIDATION_FAILED', /^Aliases limit of 15 exceeded, found 16\.$/);
    });

    it('refuses 90 aliased introspection queries', async () => {
      expectRefused(await post(stack, { query: aliases(90, '__schema { queryType { name } }') }), 'GRAPHQL_VALIDATION_FAILED', /Aliases limit of 15 exceeded, found 90/);
    });

    it('refuses two logins in one request, as a validation error', async () => {
      expectRefused(await post(stack, { query: loginMutation(2) }), 'GRAPHQL_VALIDATION_FAILED', /at most one login/);
    });

    it('refuses a batch of operations in one request', async () => {
      const batch = Array.from({ length: 3 }, () => ({ query: '{ me { id } }' }));
      expectRefused(await post(stack, batch, token), 'BAD_REQUEST', /batching/i);
    });

    it('refuses an undefined fragment', async () => {
      expectRefused(await post(stack, { query: '{ me { ...Missing } }' }, token), 'GRAPHQL_VALIDATION_FAILED', /Unknown fragment "Missing"/);
    });

    it('refuses a fragment cycle', async () => {
      const query = '{ me { ...A } } fragment A on User { id ...B } fragment B on User { username ...A }';
      expectRefused(await post(stack, { query }, token), 'GRAPHQL_VALIDATION_FAILED', /Cannot spread fragment "A" within itself via "B"/);
    });

    it('refuses a fragment that spreads itself, even without credentials', async () => {
      expectRefused(await post(stack, { query: '{ me { ...A } } fragment A on User { ...A }' }), 'GRAPHQL_VALIDATION_FAILED', /Cannot spread fragment "A" within itself/);
    });

    it('refuses more than 20 directives', async () => {
      const fields = (count: number): string => `{ me { ${'id @include(if: true) '.repeat(count)}} }`;
      expect((await stack.graphql(fields(20), undefined, token)).errors).toBeUndefined();
      expectRefused(await post(stack, { query: fields(21) }, token), 'GRAPHQL_VALIDATION_FAILED', /^Directives limit of 20 exceeded, found 21\.$/);
    });

    it('refuses a document of more than 1000 tokens', async () => {
      expectRefused(await post(stack, { query: `{ me { ${'id '.repeat(1000)}} }` }, token), 'GRAPHQL_PARSE_FAILED', /1000 tokens/);
    });
  });

  describe('pagination arguments', () => {
    it('refuses jobs(first: 101) with BAD_USER_INPUT', async () => {
      const result = await stack.graphql('{ jobs(first: 101) { totalCount } }', undefined, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/^Invalid input: .*first.*100/);
      expect(result.data ?? undefined).toBeUndefined();
    });

    it('refuses jobs(first: 0) with BAD_USER_INPUT', async () => {
      const error = firstError(await stack.graphql('{ jobs(first: 0) { totalCount } }', undefined, token));
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/first/);
    });

    it('accepts jobs(first: 100)', async () => {
      const result = await stack.graphql('{ jobs(first: 100) { totalCount } }', undefined, token);
      expect(result.errors).toBeUndefined();
      expect(typeof result.data?.jobs.totalCount).toBe('number');
    });

    it.each([
      ['garbage', 'not-a-cursor!'],
      ['base64 of something that is not JSON', Buffer.from('hello').toString('base64url')],
      ['base64 of a JSON object', Buffer.from('{"a":1}').toString('base64url')],
      ['base64 of a bad date', Buffer.from('["yesterday","0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11"]').toString('base64url')],
      ['base64 of a non-string id', Buffer.from('["2024-01-01T00:00:00.000Z",5]').toString('base64url')],
    ])('refuses an after cursor that is %s with BAD_USER_INPUT', async (_what, after) => {
      const result = await stack.graphql('query ($after: String) { jobs(after: $after) { totalCount } }', { after }, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toBe('The cursor is not one this API gave out');
      expect(result.data ?? undefined).toBeUndefined();
    });

    it('refuses a well-formed cursor whose id is not a UUID with BAD_USER_INPUT, not an internal error', async () => {
      const after = Buffer.from(JSON.stringify(['2024-01-01T00:00:00.000Z', 'not-a-uuid'])).toString('base64url');
      const result = await stack.graphql('query ($after: String) { jobs(after: $after) { totalCount } }', { after }, token);
      expect(firstError(result).extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('ids', () => {
    it('answers job(id: "not-a-uuid") with NOT_FOUND', async () => {
      const result = await stack.graphql('{ job(id: "not-a-uuid") { id state } }', undefined, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('NOT_FOUND');
      expect(error.message).toBe('Job not-a-uuid was not found');
      expect(result.data ?? undefined).toBeUndefined();
    });

    it('answers a well-formed id that names no job with NOT_FOUND', async () => {
      const id = randomUUID();
      const error = firstError(await stack.graphql('query ($id: ID!) { job(id: $id) { id } }', { id }, token));
      expect(error.extensions?.code).toBe('NOT_FOUND');
      expect(error.message).toBe(`Job ${id} was not found`);
    });
  });
});

describe('introspection', () => {
  const schemaQuery = '{ __schema { queryType { name } } }';

  it('is answered by a development server', async () => {
    const stack = await startStewardStack({ worker: false });
    try {
      const result = await stack.graphql(schemaQuery);
      expect(result.errors).toBeUndefined();
      expect(result.data?.__schema.queryType.name).toBe('Query');
    } finally {
      await stack.stop();
    }
  });

  describe('turned off, as in production', () => {
    let stack: StewardStack;
    let token: string;

    beforeAll(async () => {
      stack = await startStewardStack({ worker: false, api: { introspection: false } });
      token = await stack.signIn([Role.SYSTEM_ADMINISTRATOR]);
    });

    afterAll(async () => {
      await stack?.stop();
    });

    it.each([
      ['__schema', schemaQuery],
      ['__type', '{ __type(name: "Job") { fields { name } } }'],
    ])('refuses %s with a 400, even for an administrator', async (_field, query) => {
      expectRefused(await post(stack, { query }, token), 'GRAPHQL_VALIDATION_FAILED', /introspection/i);
    });

    it('refuses 90 aliased introspection queries', async () => {
      const answer = await post(stack, { query: aliases(90, '__schema { queryType { name } }') });
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(expect.arrayContaining(['GRAPHQL_VALIDATION_FAILED']));
      expect(answer.body.data ?? undefined).toBeUndefined();
    });

    it('still answers __typename, which clients use to tell types apart', async () => {
      const result = await stack.graphql('{ me { __typename username } }', undefined, token);
      expect(result.errors).toBeUndefined();
      expect(result.data?.me.__typename).toBe('User');
    });
  });
});
