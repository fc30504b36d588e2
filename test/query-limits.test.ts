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

/** 800 per alias: 100 × (edges 1 + node 1 + events 2 + record 4). */
const EXPENSIVE_JOBS = 'jobs(first: 100) { edges { node { events { kind } record { name recordType { name } } } } }';

function aliases(count: number, field: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

function firstError(result: GraphqlResult): { message: string; extensions?: { code?: string } } {
  expect(result.errors).toBeDefined();
  expect(result.errors!.length).toBeGreaterThan(0);
  return result.errors![0]!;
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
    // jobs 0, edges 1, node 2, record 3, jobs 4, edges 5, node 6, record 7, jobs 8, edges 9, cursor 10.
    const atLimit = '{ jobs(first: 1) { edges { node { record { jobs(first: 1) { edges { node { record { jobs(first: 1) { edges { cursor } } } } } } } } } } }';
    // One level more: node 10, id 11.
    const overLimit =
      '{ jobs(first: 1) { edges { node { record { jobs(first: 1) { edges { node { record { jobs(first: 1) { edges { node { id } } } } } } } } } } } }';

    it('runs a query nested exactly 10 levels deep', async () => {
      const result = await stack.graphql(atLimit, undefined, token);
      expect(result.errors).toBeUndefined();
      expect(Array.isArray(result.data?.jobs.edges)).toBe(true);
    });

    it('refuses a query nested deeper than 10 levels before running it', async () => {
      const result = await stack.graphql(overLimit, undefined, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(error.message).toMatch(/exceeds maximum operation depth of 10/);
      expect(result.data).toBeUndefined();
    });

    it('refuses a much deeper query, without data', async () => {
      const result = await stack.graphql(nestedJobsQuery(12, 'totalCount'), undefined, token);
      expect(firstError(result).extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(result.data).toBeUndefined();
    });

    it('counts depth through fragments too', async () => {
      const query = `
        query { jobs(first: 1) { ...Page } }
        fragment Page on JobConnection { edges { node { record { jobs(first: 1) { edges { node { ...Deep } } } } } } }
        fragment Deep on Job { record { jobs(first: 1) { edges { node { id } } } } }`;
      const result = await stack.graphql(query, undefined, token);
      expect(firstError(result).extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(result.data).toBeUndefined();
    });

    it('refuses a too-deep query even without credentials, as a validation error rather than UNAUTHENTICATED', async () => {
      const result = await stack.graphql(overLimit);
      expect(firstError(result).extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(result.data).toBeUndefined();
    });
  });

  describe('complexity', () => {
    it('runs a query that costs 1600, under the limit of 2000', async () => {
      const result = await stack.graphql(aliases(2, EXPENSIVE_JOBS), undefined, token);
      expect(result.errors).toBeUndefined();
      expect(Object.keys(result.data ?? {})).toEqual(['a0', 'a1']);
      expect(Array.isArray(result.data?.a0.edges) && Array.isArray(result.data?.a1.edges)).toBe(true);
    });

    it('refuses a query that costs 2400 with BAD_USER_INPUT, naming the cost and the limit', async () => {
      const result = await stack.graphql(aliases(3, EXPENSIVE_JOBS), undefined, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/costs 2400, over the limit of 2000/);
      expect(result.data ?? undefined).toBeUndefined();
    });

    it('counts nested connections as the product of their page sizes', async () => {
      const result = await stack.graphql('{ jobs(first: 50) { edges { node { record { jobs(first: 50) { totalCount } } } } } }', undefined, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/over the limit of 2000/);
      expect(result.data ?? undefined).toBeUndefined();
    });

    it('counts a connection without first at the default page size of 25', async () => {
      // 25 × (edges 1 + node 1 + record 4) = 150 per alias; 14 aliases = 2100.
      const field = 'jobs { edges { node { record { name recordType { name } } } } }';
      expect((await stack.graphql(aliases(13, field), undefined, token)).errors).toBeUndefined();
      const error = firstError(await stack.graphql(aliases(14, field), undefined, token));
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/costs 2100, over the limit of 2000/);
    });

    it('does not let a negative page size offset the cost of the rest of the query', async () => {
      // 5 × 800 = 4000 for the expensive aliases; a page size of -1 000 000 on another field must not pay for it.
      const query = `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: ${EXPENSIVE_JOBS}`).join(' ')} offset: jobs(first: -1000000) { totalCount } }`;
      const result = await stack.graphql(query, undefined, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      // Refused by the complexity limit before anything runs, not by the page-size check of one field after the others ran.
      expect(error.message).toMatch(/over the limit of 2000/);
      expect(result.data ?? undefined).toBeUndefined();
    });

    it('reports a variable of the wrong type as BAD_USER_INPUT, not as an internal error', async () => {
      const result = await stack.graphql('query ($first: Int) { jobs(first: $first) { totalCount } }', { first: 'ten' }, token);
      const error = firstError(result);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toMatch(/\$first/);
      expect(result.data ?? undefined).toBeUndefined();
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
