import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';

const TASK_FIELDS = 'id name settings enabled version taskType { id name product { name } }';
const HASH = 'a'.repeat(64);
/** Checked-in task types carry the command that runs them on an endpoint. */
const COMMAND = 'echo "STEWARD-REPORT {}"';

describe('products and the client task catalog', () => {
  let stack: StewardStack;
  let adminToken: string;
  let plainUserToken: string;
  let taskTypes: Map<string, string>;

  const gql = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => stack.graphql<any>(query, variables, token);
  const ok = async (query: string, variables: Record<string, unknown> = {}, token = adminToken) => {
    const result = await gql(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const checkIn = (manifest: unknown, token = adminToken) =>
    gql('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { id name version taskTypes { name settingsSchema supportedOs } } } }', { input: { manifest } }, token);
  const create = (taskTypeId: string, name: string, settings: Record<string, unknown>) =>
    gql(`mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { ${TASK_FIELDS} } } }`, { input: { taskTypeId, name, settings } });
  const createOk = async (taskTypeId: string, name: string, settings: Record<string, unknown>) => {
    const result = await create(taskTypeId, name, settings);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.createClientTask.clientTask;
  };
  const counts = async () => {
    const connection = stack.orm.em.fork().getConnection();
    const [row] = await connection.execute<Record<string, string>[]>(
      `select (select count(*) from products) as products, (select count(*) from client_task_types) as types,
              (select count(*) from client_tasks) as tasks, (select md5(string_agg(t.settings_schema::text || p.version, ',' order by t.id)) from client_task_types t join products p on p.id = t.product_id) as schemas,
              (select md5(coalesce(string_agg(name || settings::text || enabled || version, ',' order by id), '')) from client_tasks) as task_rows`,
    );
    return row;
  };

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    plainUserToken = await stack.signIn([]);
    const products = await ok('{ products { name taskTypes { id name } } }');
    taskTypes = new Map();
    for (const product of products.products) for (const type of product.taskTypes) taskTypes.set(`${product.name}/${type.name}`, type.id);
  });

  afterAll(() => stack?.stop());

  it('seeds the built-in products and task types with their settings schemas', async () => {
    const { products } = await ok('{ products { name version taskTypes { name settingsSchema supportedOs } } }');
    const byName = new Map<string, any>(products.map((p: any) => [p.name, p]));
    expect(byName.get('Agent').taskTypes.map((t: any) => t.name).sort()).toEqual(['Mirror Repositories', 'Product Deployment', 'Product Update', 'Statistics', 'Wakeup']);
    expect(byName.get('Threat Prevention').taskTypes.map((t: any) => t.name).sort()).toEqual(['On-Demand Scan', 'Restore from Quarantine']);
    const scan = byName.get('Threat Prevention').taskTypes.find((t: any) => t.name === 'On-Demand Scan');
    expect(scan.settingsSchema.properties.sha256Blocklist.items.pattern).toBe('^[0-9a-f]{64}$');
    expect(scan.supportedOs).toEqual(['linux']);
    const statistics = byName.get('Agent').taskTypes.find((t: any) => t.name === 'Statistics');
    expect(statistics.settingsSchema.required).toEqual(['paths']);
  });

  it('checks in a product, and updates its task types only from a newer version', async () => {
    const name = uniqueName('Firewall');
    const schemaV1 = { type: 'object', properties: { rules: { type: 'array', items: { type: 'string' } } }, required: ['rules'], additionalProperties: false };
    const first = await checkIn({ name, version: '1.0.0', taskTypes: [{ name: 'Apply Rules', settingsSchema: schemaV1, command: COMMAND }] });
    expect(first.errors).toBeUndefined();
    expect(first.data.checkInProduct.product).toMatchObject({ name, version: '1.0.0', taskTypes: [{ name: 'Apply Rules', settingsSchema: schemaV1, supportedOs: ['linux'] }] });

    const schemaV2 = { ...schemaV1, properties: { ...schemaV1.properties, dryRun: { type: 'boolean' } } };
    const newer = await checkIn({
      name,
      version: '1.10.0',
      taskTypes: [
        { name: 'Apply Rules', settingsSchema: schemaV2, command: COMMAND },
        { name: 'Flush', settingsSchema: { type: 'object' }, supportedOs: ['linux', 'freebsd'], command: COMMAND },
      ],
    });
    expect(newer.errors).toBeUndefined();
    const product = newer.data.checkInProduct.product;
    expect(product.id).toBe(first.data.checkInProduct.product.id);
    expect(product.version).toBe('1.10.0');
    expect(product.taskTypes).toEqual([
      { name: 'Apply Rules', settingsSchema: schemaV2, supportedOs: ['linux'] },
      { name: 'Flush', settingsSchema: { type: 'object' }, supportedOs: ['linux', 'freebsd'] },
    ]);

    const before = await counts();
    const older = await checkIn({ name, version: '1.9.9', taskTypes: [{ name: 'Apply Rules', settingsSchema: schemaV1, command: COMMAND }] });
    expect(older.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const same = await checkIn({ name, version: '1.10.0', taskTypes: [{ name: 'Apply Rules', settingsSchema: schemaV1, command: COMMAND }] });
    expect(same.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await counts()).toEqual(before);
  });

  it('removes the task types a newer version drops, unless client tasks use them, and keeps each type\'s command', async () => {
    const name = uniqueName('Backup');
    const declare = (...names: string[]) => names.map((typeName) => ({ name: typeName, settingsSchema: { type: 'object' }, command: `echo "STEWARD-REPORT {}" # ${typeName}` }));
    expect((await checkIn({ name, version: '1.0.0', taskTypes: declare('Full', 'Incremental', 'Verify') })).errors).toBeUndefined();
    const taskTypesOf = async () => (await ok('{ products { name taskTypes { id name command } } }')).products.find((p: any) => p.name === name).taskTypes;
    const verify = (await taskTypesOf()).find((t: any) => t.name === 'Verify');
    expect(verify.command).toBe('echo "STEWARD-REPORT {}" # Verify');
    await createOk(verify.id, uniqueName('verify'), {});

    const before = await counts();
    const refused = await checkIn({ name, version: '2.0.0', taskTypes: declare('Full') });
    expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(refused.errors?.[0]?.message).toContain('Verify');
    expect(refused.errors?.[0]?.message).not.toContain('Incremental');
    expect(await counts()).toEqual(before);

    expect((await checkIn({ name, version: '2.0.0', taskTypes: declare('Full', 'Verify') })).errors).toBeUndefined();
    expect((await taskTypesOf()).map((t: any) => [t.name, t.id === verify.id || null])).toEqual([
      ['Full', null],
      ['Verify', true],
    ]);
    const builtIn = (await ok('{ products { name taskTypes { name command } } }')).products.find((p: any) => p.name === 'Agent').taskTypes;
    expect(builtIn.every((t: any) => t.command === null)).toBe(true);
  });

  it('refuses a malformed manifest or an invalid schema with BAD_USER_INPUT and writes nothing', async () => {
    const before = await counts();
    const valid = { type: 'object', properties: { x: { type: 'string' } } };
    const bad: Array<[string, unknown]> = [
      ['not an object', 'just a string'],
      ['no name', { version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: valid }] }],
      ['bad version', { name: uniqueName('P'), version: 'one', taskTypes: [{ name: 'T', settingsSchema: valid }] }],
      ['no task types', { name: uniqueName('P'), version: '1.0.0', taskTypes: [] }],
      ['unknown key', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: valid }], extra: true }],
      ['duplicate type', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: valid }, { name: 'T', settingsSchema: valid }] }],
      ['schema not of an object', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: { type: 'string' } }] }],
      ['invalid schema type', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: { type: 'object', properties: { x: { type: 'strang' } } } }] }],
      ['unknown keyword', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: { type: 'object', properties: { x: { type: 'string', lenght: 3 } } } }] }],
      // The second type is invalid: the first must not be written either.
      ['no command', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: valid }] }],
      ['empty command', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: valid, command: '' }] }],
      ['command over 64 KiB', { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: valid, command: `# ${'é'.repeat(33_000)}` }] }],
      ['one bad type of two', { name: 'Agent', version: '99.0.0', taskTypes: [{ name: 'Statistics', settingsSchema: valid }, { name: 'T', settingsSchema: { type: 'object', minProperties: -1 } }] }],
    ];
    for (const [what, manifest] of bad) {
      const result = await checkIn(manifest);
      expect({ what, code: result.errors?.[0]?.extensions?.code }).toEqual({ what, code: 'BAD_USER_INPUT' });
    }
    expect(await counts()).toEqual(before);
  });

  it('validates settings against the task type schema and lists the errors', async () => {
    const scanType = taskTypes.get('Threat Prevention/On-Demand Scan')!;
    const before = await counts();
    const result = await create(scanType, uniqueName('scan'), { include: [], maxFileSizeBytes: 0, sha256Blocklist: ['not-a-hash'], surprise: 1 });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const message: string = result.errors![0]!.message;
    expect(message).toContain('/include');
    expect(message).toContain('/maxFileSizeBytes');
    expect(message).toContain('/sha256Blocklist/0');
    expect(message).toContain('additional properties');
    const statistics = await create(taskTypes.get('Agent/Statistics')!, uniqueName('stats'), { paths: ['relative/path'] });
    expect(statistics.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(statistics.errors?.[0]?.message).toContain('/paths/0');
    const unknownType = await create('00000000-0000-4000-8000-000000000000', uniqueName('x'), {});
    expect(unknownType.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await counts()).toEqual(before);

    const task = await createOk(scanType, uniqueName('scan'), { include: ['/home/**'], exclude: ['*.iso'], maxFileSizeBytes: 1048576, sha256Blocklist: [HASH] });
    expect(task).toMatchObject({ enabled: false, version: 1, taskType: { name: 'On-Demand Scan', product: { name: 'Threat Prevention' } } });
    const duplicate = await create(scanType, task.name, { include: ['/'] });
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('updates with optimistic locking, duplicates and enables', async () => {
    const statistics = taskTypes.get('Agent/Statistics')!;
    const task = await createOk(statistics, uniqueName('stats'), { paths: ['/var'] });
    const update = (input: Record<string, unknown>) => gql(`mutation ($input: UpdateClientTaskInput!) { updateClientTask(input: $input) { clientTask { ${TASK_FIELDS} } } }`, { input });

    const updated = await update({ clientTaskId: task.id, version: task.version, settings: { paths: ['/var', '/home'] } });
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateClientTask.clientTask).toMatchObject({ settings: { paths: ['/var', '/home'] }, version: task.version + 1, name: task.name });
    const stale = await update({ clientTaskId: task.id, version: task.version, settings: { paths: ['/tmp'] } });
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const invalid = await update({ clientTaskId: task.id, version: task.version + 1, settings: { paths: 'nope' } });
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const current = await ok(`query ($id: ID!) { clientTask(id: $id) { ${TASK_FIELDS} } }`, { id: task.id });
    expect(current.clientTask).toMatchObject({ settings: { paths: ['/var', '/home'] }, version: task.version + 1 });

    const copyName = uniqueName('copy');
    const copy = await ok(`mutation ($input: DuplicateClientTaskInput!) { duplicateClientTask(input: $input) { clientTask { ${TASK_FIELDS} } } }`, { input: { clientTaskId: task.id, name: copyName } });
    expect(copy.duplicateClientTask.clientTask).toMatchObject({ name: copyName, settings: { paths: ['/var', '/home'] }, enabled: false, version: 1, taskType: { id: statistics } });
    expect(copy.duplicateClientTask.clientTask.id).not.toBe(task.id);
    const sameName = await gql('mutation ($input: DuplicateClientTaskInput!) { duplicateClientTask(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.id, name: task.name } });
    expect(sameName.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const enable = (enabled: boolean) => ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { enabled version } } }', { input: { clientTaskId: task.id, enabled } });
    expect((await enable(true)).setClientTaskEnabled.clientTask).toEqual({ enabled: true, version: task.version + 2 });
    expect((await enable(false)).setClientTaskEnabled.clientTask.enabled).toBe(false);
    const [audit] = await stack.orm.em.fork().getConnection().execute<{ actions: string[] }[]>(
      `select array_agg(action order by created_at) as actions from audit_events where target_id = ? and outcome = 'SUCCESS'`,
      [task.id],
    );
    expect(audit!.actions).toEqual(['createClientTask', 'updateClientTask', 'setClientTaskEnabled', 'setClientTaskEnabled']);
  });

  it('lists the catalog by product, type and enabled, with cursor paging', async () => {
    const product = uniqueName('Listing');
    const checkedIn = await checkIn({
      name: product,
      version: '1.0.0',
      taskTypes: [
        { name: 'Alpha', settingsSchema: { type: 'object', properties: { n: { type: 'integer' } } }, command: COMMAND },
        { name: 'Beta', settingsSchema: { type: 'object' }, command: COMMAND },
      ],
    });
    expect(checkedIn.errors).toBeUndefined();
    const types = (await ok('{ products { name taskTypes { id name } } }')).products.find((p: any) => p.name === product).taskTypes;
    const alpha = types.find((t: any) => t.name === 'Alpha').id;
    const beta = types.find((t: any) => t.name === 'Beta').id;
    const alphaTasks = [];
    for (let n = 0; n < 5; n++) alphaTasks.push(await createOk(alpha, `alpha-${n}`, { n }));
    const betaTask = await createOk(beta, 'beta-0', {});
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: alphaTasks[1].id, enabled: true } });
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: betaTask.id, enabled: true } });

    const list = async (filter: Record<string, unknown>, first?: number, after?: string) =>
      (await ok('query ($filter: ClientTaskFilterInput, $first: Int, $after: String) { clientTasks(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name enabled } } } }', { filter, first, after })).clientTasks;

    const all = await list({ product });
    expect(all.totalCount).toBe(6);
    expect(all.edges.map((e: any) => e.node.name)).toEqual(['beta-0', 'alpha-4', 'alpha-3', 'alpha-2', 'alpha-1', 'alpha-0']);
    expect((await list({ product, taskType: 'Alpha' })).totalCount).toBe(5);
    expect((await list({ product, enabled: true })).edges.map((e: any) => e.node.name)).toEqual(['beta-0', 'alpha-1']);
    expect((await list({ product, taskType: 'Alpha', enabled: false })).totalCount).toBe(4);
    expect((await list({ product: uniqueName('none') })).totalCount).toBe(0);

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await list({ product, taskType: 'Alpha' }, 2, after);
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((e: any) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['alpha-4', 'alpha-3', 'alpha-2', 'alpha-1', 'alpha-0']);
    const badCursor = await gql('{ clientTasks(after: "garbage") { totalCount } }');
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('compares two tasks of the same type setting by setting, and refuses different types', async () => {
    const scanType = taskTypes.get('Threat Prevention/On-Demand Scan')!;
    const left = await createOk(scanType, uniqueName('left'), { include: ['/home/**'], exclude: ['*.iso'], maxFileSizeBytes: 1000 });
    const right = await createOk(scanType, uniqueName('right'), { include: ['/home/**'], exclude: ['*.img'], sha256Blocklist: [HASH] });
    const compare = (leftId: string, rightId: string) => gql('query ($l: ID!, $r: ID!) { compareClientTasks(leftId: $l, rightId: $r) { key left right same } }', { l: leftId, r: rightId });

    const result = await compare(left.id, right.id);
    expect(result.errors).toBeUndefined();
    expect(result.data.compareClientTasks).toEqual([
      { key: 'exclude', left: ['*.iso'], right: ['*.img'], same: false },
      { key: 'include', left: ['/home/**'], right: ['/home/**'], same: true },
      { key: 'maxFileSizeBytes', left: 1000, right: null, same: false },
      { key: 'sha256Blocklist', left: null, right: [HASH], same: false },
    ]);
    expect((await compare(left.id, left.id)).data.compareClientTasks.every((row: any) => row.same)).toBe(true);

    const other = await createOk(taskTypes.get('Agent/Statistics')!, uniqueName('stats'), { paths: ['/'] });
    const refused = await compare(left.id, other.id);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('same type');
    expect((await compare(left.id, '00000000-0000-4000-8000-000000000000')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('lets signed-in users read, but refuses changes to non-administrators with FORBIDDEN and writes nothing', async () => {
    const statistics = taskTypes.get('Agent/Statistics')!;
    const task = await createOk(statistics, uniqueName('guarded'), { paths: ['/'] });
    const read = await gql('{ products { name } clientTasks(first: 1) { totalCount } }', {}, plainUserToken);
    expect(read.errors).toBeUndefined();
    const before = await counts();
    const attempts: Array<[string, string, Record<string, unknown>]> = [
      ['checkInProduct', 'mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { id } } }', { manifest: { name: uniqueName('P'), version: '1.0.0', taskTypes: [{ name: 'T', settingsSchema: { type: 'object' } }] } }],
      ['createClientTask', 'mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', { taskTypeId: statistics, name: uniqueName('x'), settings: { paths: ['/'] } }],
      ['updateClientTask', 'mutation ($input: UpdateClientTaskInput!) { updateClientTask(input: $input) { clientTask { id } } }', { clientTaskId: task.id, version: task.version, settings: { paths: ['/etc'] } }],
      ['duplicateClientTask', 'mutation ($input: DuplicateClientTaskInput!) { duplicateClientTask(input: $input) { clientTask { id } } }', { clientTaskId: task.id, name: uniqueName('x') }],
      ['setClientTaskEnabled', 'mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { clientTaskId: task.id, enabled: true }],
    ];
    for (const [name, query, input] of attempts) {
      const result = await gql(query, { input }, plainUserToken);
      expect({ name, code: result.errors?.[0]?.extensions?.code }).toEqual({ name, code: 'FORBIDDEN' });
      const anonymous = await stack.graphql<any>(query, { input });
      expect({ name, code: anonymous.errors?.[0]?.extensions?.code }).toEqual({ name, code: 'UNAUTHENTICATED' });
    }
    expect(await counts()).toEqual(before);
    expect((await stack.graphql<any>('{ products { name } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
