import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { FAILED_CALL_OUTCOMES, rowStateReader, type RowState } from './harness/authorization-matrix/row-state';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { type FuzzCase, fuzzableMutations, mutationCases } from './harness/fuzz/mutation-cases';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

/**
 * Every mutation of the committed schema, sent many invalid inputs (test/harness/fuzz/): each must be
 * refused with a clear code, never a 5xx or an internal error, and nothing may change. New mutations
 * are covered as soon as schema.graphql has them. The seed is printed; STEWARD_FUZZ_SEED repeats a run.
 */

/** STEWARD_FUZZ_CASES raises the administrator's count for a longer hunt. */
const ADMIN_CASES_PER_MUTATION = Number(process.env.STEWARD_FUZZ_CASES ?? 40);
const USER_CASES_PER_MUTATION = 6;
/** STEWARD_FUZZ_ONLY=name,name sends only those mutations' cases (the same ones as in a full run with the seed). */
const chosen = (fuzzCase: FuzzCase) => !process.env.STEWARD_FUZZ_ONLY || process.env.STEWARD_FUZZ_ONLY.split(',').includes(fuzzCase.mutation);
/** Just under the 1 MiB body limit of non-administrators, leaving room for the rest of the request. */
const HUGE_STRING_LENGTH = 1024 * 1024 - 16 * 1024;
const CONCURRENCY = 4;
/**
 * Room, not a speed target (those live in bench/): alone the default run takes about 75 s, and
 * beside the heaviest suites in a two-core CI run about three times that.
 */
const FUZZ_MS_PER_ADMIN_CASE = 10_000;
const CLEAR_CODES = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT', 'UNAUTHENTICATED', 'TOO_MANY_REQUESTS', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST']);
/**
 * Refused sign-ins count against the login throttle; that table is the throttle's memory, not data.
 * Every failed mutation is audited with its outcome (refused, invalid, conflict, not found), so
 * the row state leaves out audit rows of all those outcomes; successes still count.
 */
const REFUSAL_BOOKKEEPING = ['login_throttle'];
/** For mutations with no ID or version field to spoil: a field value that alone makes the input invalid. */
const SPOILERS: Record<string, Record<string, unknown>> = {
  changePassword: { 'input.currentPassword': 'not-the-current-password' },
  checkInPackage: { 'input.tarballBase64': 'bm90IGEgdGFyYmFsbA==' },
  createApiToken: { 'input.expiresInDays': 0 },
  createScript: { 'input.body': ' ', 'input.parameters': [{ name: 'PATH', type: 'STRING' }] },
  createUser: { 'input.password': 'too-short' },
  createWebhook: { 'input.url': 'ftp://not-http.example.com/hook' },
  importClientTasks: { 'input.document': { format: 'not-a-steward-export' } },
  login: { 'input.username': 'no-such-user', 'input.password': 'not-a-password' },
  registerNode: { 'input.name': 'Not A Node Name!' },
  registerServer: { 'input.publicKey': 'not-an-ed25519-key' },
};

interface Outcome {
  status: number;
  codes: string[];
  problem?: string;
}

describe('schema-driven mutation fuzzing', () => {
  let databaseUrl: string;
  let stack: StewardStack;
  let adminToken: string;
  let userToken: string;
  const known = new Map<string, string>();
  const schema = buildSchema(readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));
  const seed = Number(process.env.STEWARD_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

  const ok = async (query: string, variables: Record<string, unknown>): Promise<any> => {
    const result = await stack.graphql<any>(query, variables, adminToken);
    if (result.errors || !result.data) throw new Error(`fixture failed: ${JSON.stringify(result.errors)}`);
    return result.data;
  };

  /** One of each object the inputs name, so mostly-valid inputs get past their lookups. */
  async function createFixtures(): Promise<void> {
    const type = await ok('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id tasks { id } } } }', {
      input: { name: uniqueName('fuzz-type'), tasks: [{ name: 'Rotate', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'] }] },
    });
    known.set('recordTypeId', type.createRecordType.recordType.id).set('taskId', type.createRecordType.recordType.tasks[0].id);
    const record = await ok('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }', {
      input: { recordTypeId: known.get('recordTypeId'), name: uniqueName('fuzz-record'), host: '127.0.0.1', username: 'fuzzed', password: 'fuzz-password', hostKeyFingerprint: testEnvironment().sshdFingerprint },
    });
    for (const field of ['recordId', 'referencedRecordId', 'shadowRecordId', 'credentialRecordId']) known.set(field, record.createRecord.record.id);
    const user = await ok('mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }', { input: { username: uniqueName('fuzz-user'), password: 'fuzz-user-password', roles: [] } });
    known.set('userId', user.createUser.user.id);
    const userGroup = await ok('mutation ($input: CreateUserGroupInput!) { createUserGroup(input: $input) { group { id } } }', { input: { name: uniqueName('fuzz-users') } });
    known.set('userGroupId', userGroup.createUserGroup.group.id);
    const tree = await ok('{ systemTree { id } }', {});
    const group = await ok('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: uniqueName('fuzz-group'), parentId: tree.systemTree[0].id } });
    known.set('groupId', group.createGroup.group.id).set('parentId', tree.systemTree[0].id);
    const system = await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', {
      input: { groupId: known.get('groupId'), name: uniqueName('fuzz-system'), host: '127.0.0.1', hostKeyFingerprint: testEnvironment().sshdFingerprint },
    });
    known.set('systemId', system.createSystem.system.id).set('systemIds', system.createSystem.system.id);
    const products = await ok('{ products { id taskTypes { id } } }', {});
    const product = products.products.find((p: any) => p.taskTypes.length > 0);
    known.set('productId', product.id).set('taskTypeId', product.taskTypes[0].id);
    const set = await ok('mutation ($input: CreatePermissionSetInput!) { createPermissionSet(input: $input) { permissionSet { id } } }', {
      input: { name: uniqueName('fuzz-set'), grants: [{ productId: product.id, capabilities: ['VIEW'] }] },
    });
    known.set('permissionSetId', set.createPermissionSet.permissionSet.id);
    const token = await ok('mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } } }', { input: { name: 'fuzz token' } });
    known.set('tokenId', token.createApiToken.apiToken.id);
  }

  /** The ID of a fixture for a field; `groupId` names a user group in user-group and record-grant inputs. */
  const knownId = (field: string, mutation: string): string | undefined =>
    field === 'groupId' && /UserGroup|RecordPermissions/.test(mutation) ? known.get('userGroupId') : known.get(field);

  async function send(fuzzCase: FuzzCase, token: string): Promise<Outcome> {
    const post = () =>
      fetch(stack.api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: fuzzCase.query, variables: fuzzCase.variables }),
      });
    let response: Response;
    try {
      // Once more if the first try gets no answer: a pooled connection the server had just closed
      // for idleness resets; an input that really breaks the server breaks it twice.
      response = await post().catch(post);
    } catch (error) {
      return { status: 0, codes: [], problem: `no answer: ${String((error as Error).cause ?? error)}` };
    }
    const text = await response.text();
    let body: { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      return { status: response.status, codes: [], problem: `a body that is not JSON: ${text.slice(0, 100)}` };
    }
    const codes = (body.errors ?? []).map((error) => error.extensions?.code ?? 'MISSING');
    if (response.status >= 500) return { status: response.status, codes, problem: `HTTP ${response.status}` };
    if (codes.length === 0) return { status: response.status, codes, problem: 'it succeeded' };
    const unclear = codes.find((code) => !CLEAR_CODES.has(code));
    return { status: response.status, codes, problem: unclear ? `error code ${unclear}` : undefined };
  }

  /** Sends every case, a few at a time, and returns the failures and a count per answer code. */
  async function fuzz(cases: FuzzCase[], token: string): Promise<{ failures: string[]; codes: Record<string, number> }> {
    const failures: string[] = [];
    const codes: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const fuzzCase = cases[next++]!;
        const outcome = await send(fuzzCase, token);
        for (const code of new Set(outcome.codes)) codes[code] = (codes[code] ?? 0) + 1;
        if (outcome.problem) failures.push(`${fuzzCase.mutation}: ${fuzzCase.description} → ${outcome.problem} (HTTP ${outcome.status}, codes ${outcome.codes.join(',')})`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { failures, codes };
  }

  const withoutBookkeeping = (state: RowState): RowState => Object.fromEntries(Object.entries(state).filter(([table]) => !REFUSAL_BOOKKEEPING.includes(table)));

  beforeAll(async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_fuzz_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ databaseUrl, worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    userToken = await stack.signIn([]);
    await createFixtures();
  });

  afterAll(async () => {
    await stack?.stop();
    await dropDatabase(databaseUrl);
  });

  it('refuses every generated invalid input to every mutation with a clear code, and changes no row', async () => {
    console.log(`mutation fuzz seed ${seed} (STEWARD_FUZZ_SEED=${seed} repeats this run)`);
    // Mutations without arguments (logout, key rotation...) take no input to fuzz; called, they would simply run.
    const withoutInput = Object.values(schema.getMutationType()!.getFields()).filter((field) => field.args.length === 0).map((field) => field.name);
    console.log(`mutations without input, not fuzzed: ${withoutInput.join(', ')}`);
    const readState = await rowStateReader(stack.orm, FAILED_CALL_OUTCOMES);
    const before = withoutBookkeeping(await readState());

    const started = Date.now();
    const options = { hugeStringLength: HUGE_STRING_LENGTH, spoilers: SPOILERS };
    const asAdmin = mutationCases(schema, { ...options, seed, casesPerMutation: ADMIN_CASES_PER_MUTATION, knownId }).filter(chosen);
    const admin = await fuzz(asAdmin, adminToken);
    const asUser = mutationCases(schema, { ...options, seed: seed + 1, casesPerMutation: USER_CASES_PER_MUTATION, knownId }).filter(chosen);
    const user = await fuzz(asUser, userToken);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `mutation fuzz: ${asAdmin.length + asUser.length} cases (${asAdmin.length} as an administrator, ${asUser.length} as a plain user) ` +
        `over ${fuzzableMutations(schema).length} mutations in ${seconds.toFixed(1)} s; answers by code: ` +
        `administrator ${JSON.stringify(admin.codes)}, plain user ${JSON.stringify(user.codes)}`,
    );

    expect({ seed, failures: [...admin.failures, ...user.failures] }).toEqual({ seed, failures: [] });
    expect(withoutBookkeeping(await readState())).toEqual(before);
  }, ADMIN_CASES_PER_MUTATION * FUZZ_MS_PER_ADMIN_CASE);
});
