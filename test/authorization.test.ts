import { randomUUID } from 'node:crypto';
import { Role } from '../lib/enums';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const TABLES = ['record_types', 'tasks', 'records', 'jobs', 'users', 'password_history'];

async function rowCounts(stack: StewardStack): Promise<Record<string, number>> {
  const connection = stack.orm.em.fork().getConnection();
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await connection.execute<{ count: string }[]>(`select count(*) from ${table}`);
    counts[table] = Number(row!.count);
  }
  return counts;
}

describe('authorization and bad input', () => {
  let stack: StewardStack;
  let adminToken: string;
  let plainUserToken: string;
  let recordTypeId: string;
  let taskId: string;
  let recordId: string;

  const mutations = () => [
    {
      name: 'createRecordType',
      query: 'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }',
      variables: { input: { name: uniqueName('type'), tasks: [] } },
    },
    {
      name: 'createRecord',
      query: 'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }',
      variables: {
        input: {
          recordTypeId,
          name: uniqueName('record'),
          host: '127.0.0.1',
          username: 'someone',
          password: 'secret-password',
          hostKeyFingerprint: testEnvironment().sshdFingerprint,
        },
      },
    },
    {
      name: 'runOnDemandTask',
      query: 'mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id } } }',
      variables: { input: { recordId, taskId } },
    },
    {
      name: 'unlockRecord',
      query: 'mutation ($input: UnlockRecordInput!) { unlockRecord(input: $input) { password } }',
      variables: { input: { recordId } },
    },
    {
      name: 'createUser',
      query: 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }',
      variables: { input: { username: uniqueName('intruder'), password: 'long-enough-password', roles: ['SYSTEM_ADMINISTRATOR'] } },
    },
  ];

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    plainUserToken = await stack.signIn([]);
    const created = await stack.graphql<any>(
      `mutation ($type: CreateRecordTypeInput!) { createRecordType(input: $type) { recordType { id tasks { id } } } }`,
      { type: { name: uniqueName('type'), tasks: [{ name: 'Rotate', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'] }] } },
      adminToken,
    );
    recordTypeId = created.data.createRecordType.recordType.id;
    taskId = created.data.createRecordType.recordType.tasks[0].id;
    const record = await stack.graphql<any>(
      'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }',
      {
        input: {
          recordTypeId,
          name: uniqueName('record'),
          host: '127.0.0.1',
          port: 1,
          username: 'someone',
          password: 'secret-password',
          hostKeyFingerprint: testEnvironment().sshdFingerprint,
        },
      },
      adminToken,
    );
    recordId = record.data.createRecord.record.id;
    // The plain user may view the record, so what they are refused is the act, not the sight of it.
    const plainUserId = (await stack.graphql<any>('{ me { id } }', {}, plainUserToken)).data.me.id;
    await stack.graphql(
      'mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { id } } }',
      { input: { recordId, userId: plainUserId, permissions: ['VIEW'] } },
      adminToken,
    );
  });

  afterAll(() => stack?.stop());

  it('refuses every mutation to an anonymous caller with UNAUTHENTICATED and writes nothing', async () => {
    const before = await rowCounts(stack);
    for (const mutation of mutations()) {
      const result = await stack.graphql(mutation.query, mutation.variables);
      expect({ name: mutation.name, code: result.errors?.[0]?.extensions?.code }).toEqual({ name: mutation.name, code: 'UNAUTHENTICATED' });
      expect(result.data ?? null).toBeNull();
    }
    expect(await rowCounts(stack)).toEqual(before);
  });

  it('refuses them to a signed-in user without the System Administrator role with FORBIDDEN and writes nothing', async () => {
    const before = await rowCounts(stack);
    for (const mutation of mutations()) {
      const result = await stack.graphql(mutation.query, mutation.variables, plainUserToken);
      expect({ name: mutation.name, code: result.errors?.[0]?.extensions?.code }).toEqual({ name: mutation.name, code: 'FORBIDDEN' });
    }
    expect(await rowCounts(stack)).toEqual(before);
  });

  it('refuses queries and token creation to anonymous callers, and an unknown or forged token counts as anonymous', async () => {
    for (const query of ['{ me { id } }', '{ jobs { totalCount } }', `{ record(id: "${recordId}") { name } }`, '{ scripts { edges { node { name } } } }']) {
      expect((await stack.graphql(query)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await stack.graphql(query, {}, 'stw_forged-token')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const token = await stack.graphql('mutation { createApiToken(input: { name: "x" }) { token } }');
    expect(token.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets a plain user read, and create an API token that then works', async () => {
    const me = await stack.graphql<any>('{ me { username roles } }', {}, plainUserToken);
    expect(me.data.me.roles).toEqual([]);
    const created = await stack.graphql<any>('mutation { createApiToken(input: { name: "script", expiresInDays: 1 }) { token apiToken { name kind expiresAt } } }', {}, plainUserToken);
    expect(created.data.createApiToken.apiToken).toMatchObject({ name: 'script', kind: 'API' });
    const viaToken = await stack.graphql<any>('{ me { username } }', {}, created.data.createApiToken.token);
    expect(viaToken.data.me.username).toBe(me.data.me.username);
  });

  it('rejects a wrong password at login with UNAUTHENTICATED and audits the attempt', async () => {
    const result = await stack.graphql('mutation { login(input: { username: "admin", password: "wrong" }) { token } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const audit = await stack.graphql<any>('{ auditEvents(first: 5) { edges { node { action outcome actorName } } } }', {}, adminToken);
    expect(audit.data.auditEvents.edges.map((edge: any) => edge.node)).toContainEqual({ action: 'login', outcome: 'FAILURE', actorName: 'admin' });
  });

  describe('bad input gets a clear error and writes nothing', () => {
    const recordInput = (overrides: Record<string, unknown>) => ({
      recordTypeId,
      name: uniqueName('record'),
      host: 'web-01.example.com',
      username: 'deploy',
      password: 'secret-password',
      hostKeyFingerprint: testEnvironment().sshdFingerprint,
      ...overrides,
    });

    it.each([
      ['a malformed host', { host: 'bad host!' }, 'BAD_USER_INPUT', 'host'],
      ['an empty username', { username: '' }, 'BAD_USER_INPUT', 'username'],
      ['a username with a shell metacharacter', { username: 'a;b' }, 'BAD_USER_INPUT', 'username'],
      ['a port out of range', { port: 70000 }, 'BAD_USER_INPUT', 'port'],
      ['a malformed fingerprint', { hostKeyFingerprint: 'MD5:aa:bb' }, 'BAD_USER_INPUT', 'fingerprint'],
      ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'BAD_USER_INPUT', 'time zone'],
      ['a newline in the password', { password: 'secret\nroot-password' }, 'BAD_USER_INPUT', 'password'],
      ['a control character in the password', { password: 'secret\u0007' }, 'BAD_USER_INPUT', 'password'],
      ['an unknown record type', { recordTypeId: randomUUID() }, 'NOT_FOUND', 'Record type'],
    ])('createRecord with %s', async (_label, overrides, code, mention) => {
      const before = await rowCounts(stack);
      const result = await stack.graphql('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }', { input: recordInput(overrides) }, adminToken);
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
      expect(result.errors?.[0]?.message.toLowerCase()).toContain(mention.toLowerCase());
      expect(await rowCounts(stack)).toEqual(before);
    });

    it('updateRecord with a newline or control character in the password is BAD_USER_INPUT and changes nothing', async () => {
      const read = async () => (await stack.graphql<any>('query ($id: ID!) { record(id: $id) { version } }', { id: recordId }, adminToken)).data.record.version;
      const version = await read();
      const before = await rowCounts(stack);
      for (const password of ['new\npassword', 'carriage\rreturn', 'delete\u007f']) {
        const result = await stack.graphql('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }', { input: { recordId, version, password } }, adminToken);
        expect({ password, extensions: result.errors?.[0]?.extensions }).toEqual({ password, extensions: { code: 'BAD_USER_INPUT', field: 'password' } });
      }
      expect(await read()).toBe(version);
      expect(await rowCounts(stack)).toEqual(before);
    });

    it('runOnDemandTask on an unknown record or task is NOT_FOUND and queues nothing', async () => {
      const before = await rowCounts(stack);
      for (const input of [{ recordId: randomUUID(), taskId }, { recordId, taskId: randomUUID() }]) {
        const result = await stack.graphql('mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id } } }', { input }, adminToken);
        expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      expect(await rowCounts(stack)).toEqual(before);
    });

    it('a record type with a task without policy events, or a duplicate name, writes none of its tasks', async () => {
      const before = await rowCounts(stack);
      const name = uniqueName('type');
      const noEvents = await stack.graphql(
        'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }',
        { input: { name, tasks: [{ name: 'ok', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] }, { name: 'bad', script: 'VERIFY_PASSWORD', policyEvents: [] }] } },
        adminToken,
      );
      expect(noEvents.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await rowCounts(stack)).toEqual(before);
      const existing = await stack.graphql<any>(`{ recordType(id: "${recordTypeId}") { name } }`, {}, adminToken);
      const duplicate = await stack.graphql(
        'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }',
        { input: { name: existing.data.recordType.name, tasks: [{ name: 'x', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'] }] } },
        adminToken,
      );
      expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(await rowCounts(stack)).toEqual(before);
    });

    it('no error message carries the password that was sent', async () => {
      const result = await stack.graphql(
        'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }',
        { input: recordInput({ host: 'bad host', password: 'do-not-echo-me-123' }) },
        adminToken,
      );
      expect(JSON.stringify(result)).not.toContain('do-not-echo-me-123');
    });
  });

  it('grants System Administrators what others were refused', async () => {
    const result = await stack.graphql<any>(
      'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { username roles } } }',
      { input: { username: uniqueName('operator'), password: 'long-enough-password', roles: [Role.OPERATOR] } },
      adminToken,
    );
    expect(result.data.createUser.user.roles).toEqual(['OPERATOR']);
  });
});
