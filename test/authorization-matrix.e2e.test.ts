import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, getNamedType, type GraphQLField, isLeafType } from 'graphql';
import type { Call, Outcome, Row } from './harness/authorization-matrix/expectations';
import { MatrixFixtures } from './harness/authorization-matrix/fixtures';
import { ADMINISTRATOR, createProfiles, type Profile } from './harness/authorization-matrix/profiles';
import { outboxDrained, type RowState, rowStateReader } from './harness/authorization-matrix/row-state';
import { MUTATION_ROWS, QUERY_ROWS } from './harness/authorization-matrix/rows';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';

type Operation = 'query' | 'mutation';

// The committed schema, so a field added to it is in the matrix the moment it is emitted.
const schema = buildSchema(readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));
const FIELDS: { operation: Operation; name: string; field: GraphQLField<unknown, unknown> }[] = [
  ...Object.values(schema.getQueryType()!.getFields()).map((field) => ({ operation: 'query' as const, name: field.name, field })),
  ...Object.values(schema.getMutationType()!.getFields()).map((field) => ({ operation: 'mutation' as const, name: field.name, field })),
];
const ROWS: Record<Operation, Record<string, Row>> = { query: QUERY_ROWS, mutation: MUTATION_ROWS };

/** The operation that calls the field with exactly the arguments given, selecting only __typename of an object. */
function operationText(operation: Operation, field: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): string {
  const args = field.args.filter((arg) => arg.name in variables);
  const declarations = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${operation}${declarations ? ` (${declarations})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
}

function changedTables(before: RowState, after: RowState): string[] {
  return Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]).map((table) => `${table} ${before[table]} -> ${after[table]}`);
}

describe('authorization matrix: every Query and Mutation field against every profile', () => {
  let stack: StewardStack;
  let profiles: Profile[];
  let fixtures: MatrixFixtures;
  let readRowState: () => Promise<RowState>;
  let cases = 0;

  beforeAll(async () => {
    // No worker: jobs and workflows the allowed calls start wait in Temporal, so nothing writes behind a refused call's back.
    stack = await startStewardStack({ worker: false });
    const admin = await stack.signIn(ADMIN_ROLES);
    profiles = await createProfiles(stack, admin);
    fixtures = new MatrixFixtures(stack, admin);
    await fixtures.create(profiles);
    readRowState = await rowStateReader(stack.orm);
  });

  /** Every command the fixtures and allowed calls handed to the engine has reached Temporal, and recorded so. */
  const engineSettled = () => eventually(async () => ((await outboxDrained(stack.orm)) ? true : undefined), 30_000, 'the engine outbox to drain', 50);

  afterAll(async () => {
    console.log(`authorization matrix: ${cases} (field × profile) cases over ${FIELDS.length} fields and ${profiles?.length ?? 0} profiles`);
    await stack?.stop();
  });

  it('has a row for no field that schema.graphql lacks', () => {
    const stale = (['query', 'mutation'] as const).flatMap((operation) =>
      Object.keys(ROWS[operation]).filter((name) => !FIELDS.some((field) => field.operation === operation && field.name === name)).map((name) => `${operation} ${name}`),
    );
    expect(stale).toEqual([]);
  });

  it("shows a system's credential record only to those who may view the record, as for a record that does not exist", async () => {
    const system = await fixtures.ok<any>('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', {
      input: { ...fixtures.systemInput(), credentialRecordId: fixtures.record.id },
    });
    const seen: Record<string, unknown> = {};
    for (const profile of profiles.filter(({ user }) => user)) {
      seen[profile.name] = (await fixtures.ok<any>('query ($id: ID!) { system(id: $id) { credentialRecordId } }', { id: system.system.id }, profile.user!.token)).credentialRecordId;
    }
    // Every record permission implies VIEW; without one (or the administrator role) the record stays hidden.
    expect(seen).toEqual(Object.fromEntries(profiles.filter(({ user }) => user).map((profile) => [profile.name, profile.permission || profile.name === ADMINISTRATOR ? fixtures.record.id : null])));
  });

  it.each(FIELDS)('$operation $name', async ({ operation, name, field }) => {
    const row = ROWS[operation][name];
    if (!row) throw new Error(`${operation} ${name} has no row in test/harness/authorization-matrix/rows.ts: a new field cannot ship unchecked`);
    // Every call is built first (building may write fixtures), so the refused ones can be measured back to back.
    const planned: { profile: Profile; expected: Outcome; call: Call }[] = [];
    for (const profile of profiles) {
      const expected = row.expect(profile);
      planned.push({ profile, expected, call: await row.call(profile, fixtures, expected === 'ALLOWED') });
    }
    const failures: string[] = [];
    const send = async ({ profile, call }: { profile: Profile; call: Call }) => {
      cases += 1;
      const result = await stack.graphql<Record<string, unknown>>(operationText(operation, field, call.variables), call.variables, 'token' in call ? call.token : profile.user?.token);
      const error = result.errors?.[0];
      return { error, value: result.data?.[name], answered: error ? `${error.extensions?.code ?? 'no code'} (${error.message})` : 'data' };
    };

    await engineSettled();
    let state = await readRowState();
    for (const refused of planned.filter(({ expected }) => expected !== 'ALLOWED')) {
      const { error, value, answered } = await send(refused);
      if (error?.extensions?.code !== refused.expected || value != null) failures.push(`${refused.profile.name}: expected ${refused.expected}, got ${answered}`);
      const after = await readRowState();
      const changed = changedTables(state, after);
      if (changed.length > 0) failures.push(`${refused.profile.name}: the refused call changed rows: ${changed.join('; ')}`);
      state = after;
    }
    const check = async (allowed: (typeof planned)[number]) => {
      const { error, value, answered } = await send(allowed);
      if (error || value == null) failures.push(`${allowed.profile.name}: expected ALLOWED, got ${answered}`);
      else allowed.call.onAllowed?.();
    };
    const allowed = planned.filter(({ expected }) => expected === 'ALLOWED');
    // Allowed queries read only, so they go side by side; allowed mutations one at a time, as a client would send them.
    if (operation === 'query') await Promise.all(allowed.map(check));
    else for (const call of allowed) await check(call);
    expect(failures).toEqual([]);
  });
});
