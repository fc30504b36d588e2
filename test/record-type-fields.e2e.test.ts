import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { expectOk } from './harness/permission-sets';

const CREATE_TYPE = 'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id version fields { name label kind required allowedValues } } } }';
const UPDATE_TYPE = 'mutation ($input: UpdateRecordTypeInput!) { updateRecordType(input: $input) { recordType { id version fields { name kind required allowedValues } } } }';
const CREATE_RECORD = 'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id version fields { name value } } } }';
const UPDATE_RECORD = 'mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id version fields { name value } } } }';
const IMPORT = 'mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created errors { row field code message } } }';
const GRANT = 'mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { id } } }';
const RECORDS = 'query ($filter: RecordFilterInput) { records(first: 100, filter: $filter) { edges { node { id fields { name value } } } } }';
const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

describe('record type fields', () => {
  let stack: StewardStack;
  let admin: string;
  let recordTypeId: string;
  let ticket: string;

  async function ok<T = any>(query: string, variables: Record<string, unknown>, token = admin): Promise<T> {
    return Object.values(expectOk(await stack.graphql<any>(query, variables, token)))[0] as T;
  }

  async function errorCode(query: string, variables: Record<string, unknown>): Promise<string | undefined> {
    const result = await stack.graphql<any>(query, variables, admin);
    return result.errors?.[0]?.extensions?.code;
  }

  function recordInput(name: string, fields: { name: string; value: string }[]) {
    return { recordTypeId, name, host: 'db1.example.com', username: 'app', password: 'Initial-1', hostKeyFingerprint: FINGERPRINT, fields };
  }

  async function recordsNamed(prefix: string): Promise<number> {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>('select count(*) from records where name like ?', [`${prefix}%`]);
    return Number(row!.count);
  }

  async function filtered(fields: { name: string; value: string }[], token = admin): Promise<string[]> {
    return (await ok<any>(RECORDS, { filter: { fields } }, token)).edges.map((edge: any) => edge.node.id).sort();
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
    ticket = uniqueName('TICKET');
    const created = await ok<any>(CREATE_TYPE, {
      input: {
        name: uniqueName('fielded-type'),
        fields: [
          { name: 'owner', label: 'Owner', kind: 'STRING', required: true },
          { name: 'environment', label: 'Environment', kind: 'ENUM', allowedValues: ['prod', 'test'] },
          { name: 'ticket', label: 'Ticket', kind: 'STRING' },
        ],
      },
    });
    recordTypeId = created.recordType.id;
    expect(created.recordType.fields).toEqual([
      { name: 'owner', label: 'Owner', kind: 'STRING', required: true, allowedValues: [] },
      { name: 'environment', label: 'Environment', kind: 'ENUM', required: false, allowedValues: ['prod', 'test'] },
      { name: 'ticket', label: 'Ticket', kind: 'STRING', required: false, allowedValues: [] },
    ]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses bad declarations: a name that is no identifier, a repeated name, an ENUM without values, values on a STRING', async () => {
    const declare = (fields: unknown[]) => errorCode(CREATE_TYPE, { input: { name: uniqueName('bad-type'), fields } });
    expect(await declare([{ name: 'has space', label: 'X', kind: 'STRING' }])).toBe('BAD_USER_INPUT');
    expect(await declare([{ name: 'a', label: 'A', kind: 'STRING' }, { name: 'a', label: 'B', kind: 'STRING' }])).toBe('BAD_USER_INPUT');
    expect(await declare([{ name: 'env', label: 'Env', kind: 'ENUM' }])).toBe('BAD_USER_INPUT');
    expect(await declare([{ name: 'env', label: 'Env', kind: 'STRING', allowedValues: ['x'] }])).toBe('BAD_USER_INPUT');
    expect(await declare([{ name: 'env', label: 'Env\nLabel', kind: 'STRING' }])).toBe('BAD_USER_INPUT');
  });

  it('stores declared values, and refuses missing, unknown, disallowed, repeated or control-character values writing nothing', async () => {
    const prefix = uniqueName('refused');
    const refusedWith = async (fields: { name: string; value: string }[]) => errorCode(CREATE_RECORD, { input: recordInput(`${prefix}-${fields.length}-${Math.random()}`, fields) });
    expect(await refusedWith([{ name: 'environment', value: 'prod' }])).toBe('BAD_USER_INPUT');
    expect(await refusedWith([{ name: 'owner', value: 'ops' }, { name: 'colour', value: 'blue' }])).toBe('BAD_USER_INPUT');
    expect(await refusedWith([{ name: 'owner', value: 'ops' }, { name: 'environment', value: 'staging' }])).toBe('BAD_USER_INPUT');
    expect(await refusedWith([{ name: 'owner', value: 'ops' }, { name: 'owner', value: 'dev' }])).toBe('BAD_USER_INPUT');
    expect(await refusedWith([{ name: 'owner', value: 'ops\u0007' }])).toBe('BAD_USER_INPUT');
    expect(await refusedWith([{ name: 'owner', value: 'x'.repeat(257) }])).toBe('BAD_USER_INPUT');
    expect(await recordsNamed(prefix)).toBe(0);

    const imported = await ok<any>(IMPORT, {
      input: {
        format: 'JSON',
        recordTypeId,
        content: JSON.stringify([
          { name: `${prefix}-import-1`, host: 'db1.example.com', username: 'app', password: 'Initial-1', hostKeyFingerprint: FINGERPRINT, fields: { owner: 'ops' } },
          { name: `${prefix}-import-2`, host: 'db1.example.com', username: 'app', password: 'Initial-1', hostKeyFingerprint: FINGERPRINT, fields: { environment: 'dev' } },
        ]),
      },
    });
    expect(imported.created).toBe(0);
    expect(imported.errors).toEqual([expect.objectContaining({ row: 2, field: 'fields', code: 'BAD_USER_INPUT' })]);
    expect(await recordsNamed(prefix)).toBe(0);

    const record = (await ok<any>(CREATE_RECORD, { input: recordInput(`${prefix}-kept`, [{ name: 'owner', value: 'ops' }, { name: 'environment', value: 'prod' }]) })).record;
    expect(record.fields).toEqual([{ name: 'owner', value: 'ops' }, { name: 'environment', value: 'prod' }]);
  });

  it('filters records by field values, combined with what the caller may view', async () => {
    const create = async (name: string, fields: { name: string; value: string }[]) =>
      (await ok<any>(CREATE_RECORD, { input: recordInput(uniqueName(name), [...fields, { name: 'ticket', value: ticket }]) })).record.id as string;
    const prodOps = await create('prod-ops', [{ name: 'owner', value: 'ops' }, { name: 'environment', value: 'prod' }]);
    const prodDev = await create('prod-dev', [{ name: 'owner', value: 'dev' }, { name: 'environment', value: 'prod' }]);
    const testOps = await create('test-ops', [{ name: 'owner', value: 'ops' }, { name: 'environment', value: 'test' }]);

    expect(await filtered([{ name: 'ticket', value: ticket }])).toEqual([prodOps, prodDev, testOps].sort());
    expect(await filtered([{ name: 'ticket', value: ticket }, { name: 'environment', value: 'prod' }])).toEqual([prodOps, prodDev].sort());
    expect(await filtered([{ name: 'ticket', value: ticket }, { name: 'owner', value: 'ops' }, { name: 'environment', value: 'prod' }])).toEqual([prodOps]);
    expect(await filtered([{ name: 'ticket', value: ticket }, { name: 'owner', value: 'nobody' }])).toEqual([]);

    const viewer = await stack.signIn([]);
    const viewerId = expectOk(await stack.graphql<any>('{ me { id } }', {}, viewer)).me.id;
    await ok(GRANT, { input: { recordId: prodDev, userId: viewerId, permissions: ['VIEW'] } });
    expect(await filtered([{ name: 'ticket', value: ticket }, { name: 'environment', value: 'prod' }], viewer)).toEqual([prodDev]);
    expect(await filtered([{ name: 'ticket', value: ticket }, { name: 'owner', value: 'ops' }], viewer)).toEqual([]);
  });

  it('updateRecord replaces the values under the optimistic lock, checked against the declarations', async () => {
    const created = (await ok<any>(CREATE_RECORD, { input: recordInput(uniqueName('updated'), [{ name: 'owner', value: 'ops' }, { name: 'ticket', value: ticket }]) })).record;
    const moved = [{ name: 'owner', value: 'dba' }, { name: 'environment', value: 'test' }, { name: 'ticket', value: ticket }];
    expect(await errorCode(UPDATE_RECORD, { input: { recordId: created.id, version: created.version, fields: [{ name: 'environment', value: 'test' }] } })).toBe('BAD_USER_INPUT');
    const updated = (await ok<any>(UPDATE_RECORD, { input: { recordId: created.id, version: created.version, fields: moved } })).record;
    expect(updated.fields).toEqual(moved);
    expect(updated.version).toBe(created.version + 1);
    expect(await errorCode(UPDATE_RECORD, { input: { recordId: created.id, version: created.version, fields: [{ name: 'owner', value: 'late' }] } })).toBe('CONFLICT');
    expect(await filtered([{ name: 'ticket', value: ticket }, { name: 'owner', value: 'dba' }])).toEqual([created.id]);

    const recordType = (await ok<any>('query ($id: ID!) { recordType(id: $id) { version } }', { id: recordTypeId })) as { version: number };
    const redeclared = await ok<any>(UPDATE_TYPE, {
      input: { recordTypeId, version: recordType.version, fields: [{ name: 'owner', label: 'Owner', kind: 'STRING', required: true }, { name: 'ticket', label: 'Ticket', kind: 'STRING' }, { name: 'cost', label: 'Cost centre', kind: 'STRING' }] },
    });
    expect(redeclared.recordType.fields.map((field: any) => field.name)).toEqual(['owner', 'ticket', 'cost']);
    const again = (await ok<any>(UPDATE_RECORD, { input: { recordId: created.id, version: updated.version, fields: [{ name: 'owner', value: 'dba' }, { name: 'cost', value: 'CC-9' }] } })).record;
    expect(again.fields).toEqual([{ name: 'owner', value: 'dba' }, { name: 'cost', value: 'CC-9' }]);
  });
});
