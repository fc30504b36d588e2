import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const run = promisify(execFile);

/**
 * The audit log on a database of its own, since the test breaks its chain on purpose: failed
 * mutations audited with their outcome (and only once), the filters and pages, the JSON lines
 * export, and the hash chain's verification after a row is edited or deleted behind Steward's back.
 */
describe('the audit log', () => {
  let stack: StewardStack;
  let databaseUrl: string;
  let adminToken: string;
  let userToken: string;
  let adminName: string;

  const sql = <T extends object[]>(query: string, params: unknown[] = []) => stack.orm.em.fork().getConnection().execute<T>(query, params);
  const auditRows = (actor: string, action: string) =>
    sql<{ outcome: string; details: Record<string, unknown>; target_id: string | null }[]>(
      'select outcome, details, target_id from audit_events where actor_name = ? and action = ? order by sequence',
      [actor, action],
    );
  /** What an attacker with the database's credentials could do: bypass the append-only triggers for one statement. */
  const tamper = (statement: string, params: unknown[]) =>
    stack.orm.em.fork().transactional(async (em) => {
      const connection = em.getConnection();
      await connection.execute('alter table audit_events disable trigger user');
      await connection.execute(statement, params);
      await connection.execute('alter table audit_events enable trigger user');
    });
  const verify = async () =>
    (await stack.graphql<{ verifyAuditChain: { ok: boolean; checked: number; brokenAt: { id: string | null; sequence: string | null } | null } }>(
      '{ verifyAuditChain { ok checked brokenAt { id sequence } } }',
      {},
      adminToken,
    )).data!.verifyAuditChain;
  const verifyCommand = async () => {
    const script = path.join(__dirname, '..', 'scripts', 'audit-verify.ts');
    try {
      const { stdout } = await run(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', script], { env: { ...process.env, DATABASE_URL: databaseUrl } });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string };
      return { code: failed.code, stdout: failed.stdout };
    }
  };
  const whoAmI = async (token: string) => (await stack.graphql<{ me: { username: string } }>('{ me { username } }', {}, token)).data!.me.username;

  beforeAll(async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_audit_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ databaseUrl, worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    userToken = await stack.signIn([]);
    adminName = await whoAmI(adminToken);
  });

  afterAll(async () => {
    await stack?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  it('audits failed mutations with their outcome and code, never their inputs, and only once', async () => {
    const userName = await whoAmI(userToken);
    const password = `not-shown-${randomUUID()}`;
    const createUser = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }';
    const createType = 'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }';

    const refused = await stack.graphql(createUser, { input: { username: uniqueName('refused'), password } }, userToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const invalid = await stack.graphql(createUser, { input: { username: uniqueName('short'), password: 'short' } }, adminToken);
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const typeName = uniqueName('type');
    expect((await stack.graphql(createType, { input: { name: typeName } }, adminToken)).errors).toBeUndefined();
    const conflict = await stack.graphql(createType, { input: { name: typeName } }, adminToken);
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const missing = await stack.graphql('mutation ($input: RecordTypeRefInput!) { deleteRecordType(input: $input) { id } }', { input: { recordTypeId: randomUUID() } }, adminToken);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // changePassword audits its own failure; the API layer must not add a second entry.
    const wrongPassword = await stack.graphql(
      'mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { revokedTokens } }',
      { input: { currentPassword: 'not-my-password', newPassword: password } },
      userToken,
    );
    expect(wrongPassword.errors?.[0]?.extensions?.code).toBeDefined();

    expect(await auditRows(userName, 'createUser')).toEqual([{ outcome: 'REFUSED', details: { code: 'FORBIDDEN' }, target_id: null }]);
    expect(await auditRows(adminName, 'createUser')).toEqual([{ outcome: 'INVALID', details: { code: 'BAD_USER_INPUT' }, target_id: null }]);
    expect((await auditRows(adminName, 'createRecordType')).map((row) => row.outcome)).toEqual(['SUCCESS', 'CONFLICT']);
    expect(await auditRows(adminName, 'deleteRecordType')).toEqual([{ outcome: 'NOT_FOUND', details: { code: 'NOT_FOUND' }, target_id: null }]);
    expect((await auditRows(userName, 'changePassword')).map((row) => row.outcome)).toEqual(['FAILURE']);
    const [leaked] = await sql<{ count: string }[]>('select count(*) from audit_events where details::text like ?', [`%${password}%`]);
    expect(leaked!.count).toBe('0');
  });

  it('filters and pages newest first, exports JSON lines, and is for administrators only', async () => {
    const actor = await whoAmI(adminToken);
    const start = new Date();
    const names = [uniqueName('page'), uniqueName('page'), uniqueName('page')];
    for (const name of names) {
      expect((await stack.graphql('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', { input: { name } }, adminToken)).errors).toBeUndefined();
    }
    const query = `query ($filter: AuditEventFilterInput, $after: String) {
      auditEvents(filter: $filter, first: 2, after: $after) { edges { node { id action actorName outcome targetType sequence hash createdAt } } pageInfo { hasNextPage endCursor } } }`;
    const filter = { actor, action: 'createRecordType', outcome: 'SUCCESS', objectType: 'RecordType', from: start.toISOString() };
    const first = (await stack.graphql(query, { filter }, adminToken)).data!.auditEvents;
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await stack.graphql(query, { filter, after: first.pageInfo.endCursor }, adminToken)).data!.auditEvents;
    expect(second.edges).toHaveLength(1);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const nodes = [...first.edges, ...second.edges].map((edge: { node: { id: string; sequence: string; createdAt: string; actorName: string } }) => edge.node);
    expect(nodes.map((node) => Number(node.sequence))).toEqual([...nodes.map((node) => Number(node.sequence))].sort((a, b) => b - a));
    expect(new Set(nodes.map((node) => node.actorName))).toEqual(new Set([actor]));
    const beforeStart = new Date(start.getTime() - 1).toISOString();
    const earlier = (await stack.graphql(query, { filter: { ...filter, from: undefined, to: beforeStart } }, adminToken)).data!.auditEvents;
    const newIds = new Set(nodes.map((node: { id: string }) => node.id));
    expect(earlier.edges.filter((edge: { node: { id: string; createdAt: string } }) => newIds.has(edge.node.id) || edge.node.createdAt > beforeStart)).toEqual([]);
    expect((await stack.graphql(query, { filter: { ...filter, to: beforeStart } }, adminToken)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const exported = (await stack.graphql<{ exportAuditEvents: string }>('query ($filter: AuditEventFilterInput) { exportAuditEvents(filter: $filter, limit: 2) }', { filter }, adminToken)).data!.exportAuditEvents;
    const lines = exported.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; hash: string; action: string });
    expect(lines.map((line) => line.id)).toEqual(first.edges.map((edge: { node: { id: string } }) => edge.node.id));
    expect(lines.every((line) => /^[0-9a-f]{64}$/.test(line.hash) && line.action === 'createRecordType')).toBe(true);

    for (const read of ['{ auditEvents { edges { node { id } } } }', '{ verifyAuditChain { ok } }', '{ exportAuditEvents }']) {
      expect((await stack.graphql(read, {}, userToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('verifies the hash chain and names the first entry edited or deleted behind its back', async () => {
    // Many transactions audit at once; the chain must come out whole, one sequence after another.
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, () => stack.graphql('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', { input: { name: uniqueName('burst') } }, adminToken)),
    );
    expect(concurrent.flatMap((result) => result.errors ?? [])).toEqual([]);
    const intact = await verify();
    expect(intact).toMatchObject({ ok: true, brokenAt: null });
    expect(intact.checked).toBeGreaterThan(5);
    expect(await verifyCommand()).toMatchObject({ code: 0 });

    const [edited, deleted, afterDeleted] = await sql<{ id: string; sequence: string; action: string }[]>(
      'select id, sequence::text as sequence, action from audit_events order by sequence limit 3 offset 2',
    );
    await tamper('update audit_events set action = ? where id = ?', ['harmlessLooking', edited!.id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { id: edited!.id, sequence: edited!.sequence } });
    const command = await verifyCommand();
    expect(command.code).toBe(1);
    expect(command.stdout).toContain(edited!.id);

    await tamper('update audit_events set action = ? where id = ?', [edited!.action, edited!.id]);
    expect(await verify()).toMatchObject({ ok: true });
    await tamper('delete from audit_events where id = ?', [deleted!.id]);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { id: afterDeleted!.id, sequence: afterDeleted!.sequence } });
  });

  it('refuses updates and deletes of the audit log to anyone who does not bypass its triggers', async () => {
    await expect(sql(`update audit_events set action = 'x' where sequence = 1`)).rejects.toThrow(/append-only/);
    await expect(sql('delete from audit_events where sequence = 1')).rejects.toThrow(/append-only/);
  });
});
