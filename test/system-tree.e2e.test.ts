import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const GROUP_FIELDS = 'id name version parent { id } path { name } children { id name } systems { id name }';
const SYSTEM_FIELDS = 'id name host port timeZone hostKeyFingerprint credentialRecordId version group { id name }';

describe('system tree', () => {
  let stack: StewardStack;
  let adminToken: string;
  let plainUserToken: string;
  let rootId: string;
  const fingerprint = testEnvironment().sshdFingerprint;

  const gql = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => stack.graphql<any>(query, variables, token);
  const ok = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => {
    const result = await gql(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const createGroup = async (name: string, parentId: string) =>
    (await ok(`mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { ${GROUP_FIELDS} } } }`, { input: { name, parentId } })).createGroup.group;
  const createSystem = async (input: Record<string, unknown>) =>
    (await ok(`mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { ${SYSTEM_FIELDS} } } }`, { input })).createSystem.system;
  const group = async (id: string) => (await ok(`query ($id: ID!) { group(id: $id) { ${GROUP_FIELDS} } }`, { id })).group;
  const counts = async () => {
    const connection = stack.orm.em.fork().getConnection();
    const [row] = await connection.execute<{ groups: string; systems: string; changes: string }[]>(
      `select (select count(*) from system_groups) as groups, (select count(*) from managed_systems) as systems,
              (select count(*) from audit_events where action in ('moveGroup', 'moveSystem', 'renameGroup', 'updateSystem', 'deleteGroup', 'deleteSystem') and outcome = 'SUCCESS') as changes`,
    );
    return row;
  };

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    plainUserToken = await stack.signIn([]);
    const tree = await ok('{ systemTree { id name parent { id } } }');
    expect(tree.systemTree).toHaveLength(1);
    expect(tree.systemTree[0]).toMatchObject({ name: 'My Organization', parent: null });
    rootId = tree.systemTree[0].id;
  });

  afterAll(() => stack?.stop());

  it('builds a four-level tree with systems, and shows children, systems and path', async () => {
    const level1 = await createGroup(uniqueName('Europe'), rootId);
    const level2 = await createGroup('Germany', level1.id);
    const level3 = await createGroup('Berlin', level2.id);
    const system = await createSystem({ name: 'web-01', groupId: level3.id, host: '10.0.0.5', port: 2222, hostKeyFingerprint: fingerprint, timeZone: 'Europe/Berlin' });
    expect(system).toMatchObject({ name: 'web-01', host: '10.0.0.5', port: 2222, timeZone: 'Europe/Berlin', credentialRecordId: null, version: 1, group: { id: level3.id } });

    const berlin = await group(level3.id);
    expect(berlin.path.map((g: { name: string }) => g.name)).toEqual(['My Organization', level1.name, 'Germany', 'Berlin']);
    expect(berlin.systems).toEqual([{ id: system.id, name: 'web-01' }]);
    expect(berlin.parent).toEqual({ id: level2.id });

    const tree = await ok(`{ systemTree { children { id name children { name children { name systems { name } } } } } }`);
    const europe = tree.systemTree[0].children.find((g: { id: string }) => g.id === level1.id);
    expect(europe.children).toEqual([{ name: 'Germany', children: [{ name: 'Berlin', systems: [{ name: 'web-01' }] }] }]);

    const fetched = await ok(`query ($id: ID!) { system(id: $id) { ${SYSTEM_FIELDS} } }`, { id: system.id });
    expect(fetched.system.group.name).toBe('Berlin');
  });

  it('renames, updates and moves groups and systems, with optimistic locking', async () => {
    const a = await createGroup(uniqueName('A'), rootId);
    const b = await createGroup(uniqueName('B'), rootId);
    const system = await createSystem({ name: 'db-01', groupId: a.id, host: 'db01.example.com', hostKeyFingerprint: fingerprint });
    expect(system).toMatchObject({ port: 22, timeZone: 'UTC' });

    const renamed = await ok('mutation ($input: RenameGroupInput!) { renameGroup(input: $input) { group { name version } } }', { input: { groupId: a.id, name: 'A renamed', version: a.version } });
    expect(renamed.renameGroup.group).toEqual({ name: 'A renamed', version: a.version + 1 });
    const stale = await gql('mutation ($input: RenameGroupInput!) { renameGroup(input: $input) { group { name } } }', { input: { groupId: a.id, name: 'again', version: a.version } });
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const updated = await ok(`mutation ($input: UpdateSystemInput!) { updateSystem(input: $input) { system { ${SYSTEM_FIELDS} } } }`, {
      input: { systemId: system.id, version: system.version, host: '192.168.1.9', timeZone: 'America/New_York' },
    });
    expect(updated.updateSystem.system).toMatchObject({ host: '192.168.1.9', timeZone: 'America/New_York', name: 'db-01', version: system.version + 1 });
    const staleSystem = await gql('mutation ($input: UpdateSystemInput!) { updateSystem(input: $input) { system { id } } }', { input: { systemId: system.id, version: system.version, port: 23 } });
    expect(staleSystem.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const moved = await ok('mutation ($input: MoveSystemInput!) { moveSystem(input: $input) { system { group { id } version } } }', { input: { systemId: system.id, groupId: b.id, version: system.version + 1 } });
    expect(moved.moveSystem.system.group.id).toBe(b.id);
    const movedGroup = await ok('mutation ($input: MoveGroupInput!) { moveGroup(input: $input) { group { path { id } } } }', { input: { groupId: b.id, parentId: a.id, version: b.version } });
    expect(movedGroup.moveGroup.group.path.map((g: { id: string }) => g.id)).toEqual([rootId, a.id, b.id]);
    const [audit] = await stack.orm.em.fork().getConnection().execute<{ actions: string[] }[]>(
      `select array_agg(action order by created_at) as actions from audit_events where target_id in (?, ?, ?) and outcome = 'SUCCESS'`,
      [a.id, b.id, system.id],
    );
    expect(audit!.actions).toEqual(['createGroup', 'createGroup', 'createSystem', 'renameGroup', 'updateSystem', 'moveSystem', 'moveGroup']);
  });

  it('refuses a move that would make a cycle, and writes nothing', async () => {
    const top = await createGroup(uniqueName('top'), rootId);
    const middle = await createGroup('middle', top.id);
    const bottom = await createGroup('bottom', middle.id);
    const before = await counts();
    for (const parentId of [top.id, middle.id, bottom.id]) {
      const result = await gql('mutation ($input: MoveGroupInput!) { moveGroup(input: $input) { group { id } } }', { input: { groupId: top.id, parentId, version: top.version } });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const rootMove = await gql('mutation ($input: MoveGroupInput!) { moveGroup(input: $input) { group { id } } }', { input: { groupId: rootId, parentId: bottom.id, version: 1 } });
    expect(rootMove.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await counts()).toEqual(before);
    expect((await group(top.id)).parent).toEqual({ id: rootId });
    expect((await group(top.id)).version).toBe(top.version);
  });

  it('deletes only empty groups, and deletes systems', async () => {
    const parent = await createGroup(uniqueName('parent'), rootId);
    const child = await createGroup('child', parent.id);
    const system = await createSystem({ name: 'app-01', groupId: child.id, host: '10.1.1.1', hostKeyFingerprint: fingerprint });
    const deleteGroup = (groupId: string) => gql('mutation ($input: DeleteGroupInput!) { deleteGroup(input: $input) { deletedGroupId } }', { input: { groupId } });

    expect((await deleteGroup(parent.id)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await deleteGroup(child.id)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await deleteGroup(rootId)).errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const deleted = await ok('mutation ($input: DeleteSystemInput!) { deleteSystem(input: $input) { deletedSystemId } }', { input: { systemId: system.id } });
    expect(deleted.deleteSystem.deletedSystemId).toBe(system.id);
    expect((await gql('query ($id: ID!) { system(id: $id) { id } }', { id: system.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await deleteGroup(child.id)).data?.deleteGroup.deletedGroupId).toBe(child.id);
    expect((await deleteGroup(parent.id)).data?.deleteGroup.deletedGroupId).toBe(parent.id);
    expect((await gql('query ($id: ID!) { group(id: $id) { id } }', { id: parent.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('rejects bad input clearly and writes nothing', async () => {
    const home = await createGroup(uniqueName('home'), rootId);
    const before = await counts();
    const bad: Array<[string, Record<string, unknown>]> = [
      ['host', { host: 'not a host!' }],
      ['port', { port: 70000 }],
      ['hostKeyFingerprint', { hostKeyFingerprint: 'MD5:abc' }],
      ['timeZone', { timeZone: 'Mars/Olympus' }],
      ['groupId', { groupId: '00000000-0000-4000-8000-000000000000' }],
      ['credentialRecordId', { credentialRecordId: '00000000-0000-4000-8000-000000000000' }],
    ];
    for (const [field, override] of bad) {
      const result = await gql('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', {
        input: { name: 'bad', groupId: home.id, host: '10.0.0.1', hostKeyFingerprint: fingerprint, ...override },
      });
      expect({ field, code: result.errors?.[0]?.extensions?.code }).toEqual({ field, code: 'BAD_USER_INPUT' });
    }
    const unknownParent = await gql('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: 'x', parentId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknownParent.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const blank = await gql('mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { input: { name: '   ', parentId: home.id } });
    expect(blank.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await counts()).toEqual(before);
  });

  it('links a system to the vault record whose account reaches it', async () => {
    const type = await ok('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', { input: { name: uniqueName('type'), tasks: [] } });
    const record = await ok('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }', {
      input: { recordTypeId: type.createRecordType.recordType.id, name: uniqueName('record'), host: '127.0.0.1', username: 'steward', password: 'secret-password', hostKeyFingerprint: fingerprint },
    });
    const recordId = record.createRecord.record.id;
    const system = await createSystem({ name: 'linked', groupId: rootId, host: '127.0.0.1', hostKeyFingerprint: fingerprint, credentialRecordId: recordId });
    expect(system.credentialRecordId).toBe(recordId);
    await ok('mutation ($input: DeleteSystemInput!) { deleteSystem(input: $input) { deletedSystemId } }', { input: { systemId: system.id } });
  });

  it('lets any signed-in user read the tree, but refuses changes to non-administrators with FORBIDDEN', async () => {
    const target = await createGroup(uniqueName('guarded'), rootId);
    const system = await createSystem({ name: 'guarded', groupId: target.id, host: '10.2.2.2', hostKeyFingerprint: fingerprint });
    const read = await gql(`query ($id: ID!) { group(id: $id) { name systems { id } } system(id: "${system.id}") { name } }`, { id: target.id }, plainUserToken);
    expect(read.errors).toBeUndefined();
    const before = await counts();
    const attempts: Array<[string, string, Record<string, unknown>]> = [
      ['createGroup', 'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', { name: 'x', parentId: target.id }],
      ['renameGroup', 'mutation ($input: RenameGroupInput!) { renameGroup(input: $input) { group { id } } }', { groupId: target.id, name: 'x', version: target.version }],
      ['moveGroup', 'mutation ($input: MoveGroupInput!) { moveGroup(input: $input) { group { id } } }', { groupId: target.id, parentId: rootId, version: target.version }],
      ['deleteGroup', 'mutation ($input: DeleteGroupInput!) { deleteGroup(input: $input) { deletedGroupId } }', { groupId: target.id }],
      ['createSystem', 'mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', { name: 'x', groupId: target.id, host: '10.0.0.1', hostKeyFingerprint: fingerprint }],
      ['updateSystem', 'mutation ($input: UpdateSystemInput!) { updateSystem(input: $input) { system { id } } }', { systemId: system.id, version: system.version, host: '10.9.9.9' }],
      ['moveSystem', 'mutation ($input: MoveSystemInput!) { moveSystem(input: $input) { system { id } } }', { systemId: system.id, groupId: rootId, version: system.version }],
      ['deleteSystem', 'mutation ($input: DeleteSystemInput!) { deleteSystem(input: $input) { deletedSystemId } }', { systemId: system.id }],
    ];
    for (const [name, query, input] of attempts) {
      const result = await gql(query, { input }, plainUserToken);
      expect({ name, code: result.errors?.[0]?.extensions?.code }).toEqual({ name, code: 'FORBIDDEN' });
      const anonymous = await stack.graphql<any>(query, { input });
      expect({ name, code: anonymous.errors?.[0]?.extensions?.code }).toEqual({ name, code: 'UNAUTHENTICATED' });
    }
    expect(await counts()).toEqual(before);
    expect((await stack.graphql<any>('{ systemTree { id } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const after = await ok(`query ($id: ID!) { system(id: $id) { ${SYSTEM_FIELDS} } }`, { id: system.id });
    expect(after.system).toEqual(system);
  });
});
