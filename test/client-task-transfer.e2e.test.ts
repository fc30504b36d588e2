import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

const EXPORT = 'mutation ($input: ExportClientTasksInput!) { exportClientTasks(input: $input) { document } }';
const IMPORT = 'mutation ($input: ImportClientTasksInput!) { importClientTasks(input: $input) { dryRun results { name finalName product taskType action clientTaskId awaitingApproval } } }';
const TASK_FIELDS = 'id name settings enabled version approvedRevision taskType { name product { name } }';
const HASH = 'c'.repeat(64);

describe('export and import of client tasks between servers', () => {
  let source: StewardStack;
  let target: StewardStack;
  let importDatabaseUrl: string | undefined;
  let sourceAdmin: string;
  let targetAdmin: string;
  const tokens = new Map<StewardStack, string>();
  /** Exported from the source: an enabled Statistics task and a disabled On-Demand Scan. */
  let exported: { statistics: any; scan: any; document: any };
  /** The ids the first real import gave them on the target. */
  let imported: { statistics: string; scan: string };

  const gql = (stack: StewardStack, query: string, variables: Record<string, unknown> = {}, token = tokens.get(stack)) => stack.graphql<any>(query, variables, token);
  const ok = async (stack: StewardStack, query: string, variables: Record<string, unknown> = {}) => {
    const result = await gql(stack, query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const exportFrom = (stack: StewardStack, clientTaskIds: string[], token = tokens.get(stack)) => gql(stack, EXPORT, { input: { clientTaskIds } }, token);
  const importInto = (document: unknown, conflictPolicy: string, dryRun = false, token = targetAdmin) => gql(target, IMPORT, { input: { document, conflictPolicy, dryRun } }, token);
  const importOk = async (document: unknown, conflictPolicy: string, dryRun = false) => {
    const result = await importInto(document, conflictPolicy, dryRun);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.importClientTasks;
  };
  const clientTask = async (stack: StewardStack, id: string) => (await ok(stack, `query ($id: ID!) { clientTask(id: $id) { ${TASK_FIELDS} } }`, { id })).clientTask;
  const createTask = async (stack: StewardStack, taskTypeId: string, name: string, settings: Record<string, unknown>) =>
    (await ok(stack, `mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { ${TASK_FIELDS} } } }`, { input: { taskTypeId, name, settings } })).createClientTask.clientTask;
  const taskTypeIds = async (stack: StewardStack) => {
    const { products } = await ok(stack, '{ products { name taskTypes { id name } } }');
    return new Map<string, string>(products.flatMap((product: any) => product.taskTypes.map((type: any) => [`${product.name}/${type.name}`, type.id])));
  };
  /** A fingerprint of the target's whole catalog: it must not move when an import is refused or only a dry run. */
  const targetCatalog = async () => {
    const [row] = await target.orm.em.fork().getConnection().execute<Record<string, string>[]>(
      `select count(*) as tasks, md5(coalesce(string_agg(id || name || settings::text || enabled || version, ',' order by id), '')) as rows from client_tasks`,
    );
    return row;
  };
  const lastAudit = async (stack: StewardStack, action: string) => {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ outcome: string; details: any }[]>(
      'select outcome, details from audit_events where action = ? order by created_at desc limit 1',
      [action],
    );
    return row;
  };
  const entry = (overrides: Record<string, unknown>) => ({ ...exported.document.clientTasks[1], name: uniqueName('entry'), ...overrides });
  const withTasks = (clientTasks: unknown[]) => ({ ...exported.document, clientTasks });

  beforeAll(async () => {
    // A second database next to the run's own, standing in for another server.
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `${url.pathname}_import`;
    importDatabaseUrl = url.toString();
    await createMigratedDatabase(importDatabaseUrl);
    [source, target] = await Promise.all([startStewardStack({ worker: false }), startStewardStack({ worker: false, databaseUrl: importDatabaseUrl })]);
    [sourceAdmin, targetAdmin] = await Promise.all([source.signIn(ADMIN_ROLES), target.signIn(ADMIN_ROLES)]);
    tokens.set(source, sourceAdmin).set(target, targetAdmin);

    const types = await taskTypeIds(source);
    const statistics = await createTask(source, types.get('Agent/Statistics')!, uniqueName('Nightly statistics'), { paths: ['/var', '/home'] });
    await ok(source, 'mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: statistics.id, enabled: true } });
    const scan = await createTask(source, types.get('Threat Prevention/On-Demand Scan')!, uniqueName('Home scan'), { include: ['/home/**'], exclude: ['*.iso'], sha256Blocklist: [HASH] });
    exported = { statistics: { ...statistics, enabled: true }, scan, document: null };
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (importDatabaseUrl) await dropDatabase(importDatabaseUrl);
  });

  it('exports the chosen tasks as a versioned document with their product and type, and audits it', async () => {
    const result = await exportFrom(source, [exported.scan.id, exported.statistics.id, exported.scan.id]);
    expect(result.errors).toBeUndefined();
    const { document } = result.data.exportClientTasks;
    expect(document).toEqual({
      format: 'steward.client-tasks',
      formatVersion: 1,
      exportedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      // Signed by the exporting server (checked in federation-wire.e2e.test.ts).
      sourceServer: 'steward',
      signature: expect.any(String),
      clientTasks: [
        { name: exported.scan.name, product: { name: 'Threat Prevention', version: '10.7.0' }, taskType: 'On-Demand Scan', settings: exported.scan.settings, enabled: false },
        { name: exported.statistics.name, product: { name: 'Agent', version: '5.7.0' }, taskType: 'Statistics', settings: { paths: ['/var', '/home'] }, enabled: true },
      ],
    });
    exported.document = document;
    expect(await lastAudit(source, 'exportClientTasks')).toEqual({ outcome: 'SUCCESS', details: { clientTaskIds: [exported.scan.id, exported.statistics.id] } });

    const unknown = await exportFrom(source, [exported.scan.id, '00000000-0000-4000-8000-000000000000']);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await exportFrom(source, [])).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lists in a dry run what an import would create, and writes nothing', async () => {
    const before = await targetCatalog();
    const dryRun = await importOk(exported.document, 'RENAME', true);
    expect(dryRun).toEqual({
      dryRun: true,
      results: [
        { name: exported.scan.name, finalName: exported.scan.name, product: 'Threat Prevention', taskType: 'On-Demand Scan', action: 'CREATED', clientTaskId: null, awaitingApproval: false },
        { name: exported.statistics.name, finalName: exported.statistics.name, product: 'Agent', taskType: 'Statistics', action: 'CREATED', clientTaskId: null, awaitingApproval: false },
      ],
    });
    expect(await targetCatalog()).toEqual(before);
    expect(await lastAudit(target, 'importClientTasks')).toMatchObject({ outcome: 'SUCCESS', details: { dryRun: true, conflictPolicy: 'RENAME' } });
  });

  it('imports into a fresh database: new tasks with the document’s settings and enabled flag', async () => {
    const { dryRun, results } = await importOk(exported.document, 'SKIP');
    expect(dryRun).toBe(false);
    expect(results.map((result: any) => [result.finalName, result.action])).toEqual([
      [exported.scan.name, 'CREATED'],
      [exported.statistics.name, 'CREATED'],
    ]);
    imported = { scan: results[0].clientTaskId, statistics: results[1].clientTaskId };
    expect(await clientTask(target, imported.scan)).toMatchObject({
      name: exported.scan.name,
      settings: exported.scan.settings,
      enabled: false,
      version: 1,
      taskType: { name: 'On-Demand Scan', product: { name: 'Threat Prevention' } },
    });
    expect(await clientTask(target, imported.statistics)).toMatchObject({ name: exported.statistics.name, settings: { paths: ['/var', '/home'] }, enabled: true, version: 1 });
    expect(imported.statistics).not.toBe(exported.statistics.id);
    const audit = await lastAudit(target, 'importClientTasks');
    expect(audit).toMatchObject({ outcome: 'SUCCESS', details: { dryRun: false, conflictPolicy: 'SKIP' } });
    expect(audit!.details.results.map((result: any) => result.clientTaskId)).toEqual([imported.scan, imported.statistics]);
  });

  it('resolves name conflicts by the chosen policy and reports each task', async () => {
    const before = await targetCatalog();
    const skipped = await importOk(exported.document, 'SKIP');
    expect(skipped.results.map((result: any) => [result.finalName, result.action, result.clientTaskId])).toEqual([
      [exported.scan.name, 'SKIPPED', imported.scan],
      [exported.statistics.name, 'SKIPPED', imported.statistics],
    ]);
    expect(await targetCatalog()).toEqual(before);

    const renamed = await importOk(exported.document, 'RENAME');
    expect(renamed.results.map((result: any) => [result.name, result.finalName, result.action])).toEqual([
      [exported.scan.name, `${exported.scan.name} (2)`, 'RENAMED'],
      [exported.statistics.name, `${exported.statistics.name} (2)`, 'RENAMED'],
    ]);
    const renamedAgain = await importOk(exported.document, 'RENAME');
    expect(renamedAgain.results.map((result: any) => result.finalName)).toEqual([`${exported.scan.name} (3)`, `${exported.statistics.name} (3)`]);
    const copy = await clientTask(target, renamedAgain.results[1].clientTaskId);
    expect(copy).toMatchObject({ name: `${exported.statistics.name} (3)`, settings: { paths: ['/var', '/home'] }, enabled: true });
    expect(new Set([...renamed.results, ...renamedAgain.results].map((result: any) => result.clientTaskId)).size).toBe(4);

    // A name the document itself brings is not taken by a renamed task; too long a name is shortened to fit.
    const long = 'L'.repeat(128);
    await createTask(target, (await taskTypeIds(target)).get('Agent/Wakeup')!, long, {});
    const crowded = await importOk(
      withTasks([
        entry({ name: exported.statistics.name }),
        entry({ name: `${exported.statistics.name} (4)` }),
        { ...entry({ name: long }), product: { name: 'Agent', version: '5.7.0' }, taskType: 'Wakeup', settings: {} },
      ]),
      'RENAME',
    );
    expect(crowded.results.map((result: any) => [result.finalName, result.action])).toEqual([
      [`${exported.statistics.name} (5)`, 'RENAMED'],
      [`${exported.statistics.name} (4)`, 'CREATED'],
      [`${'L'.repeat(124)} (2)`, 'RENAMED'],
    ]);

    // REPLACE changes the existing task's settings in place: same id, assignments and enabled state, a new version and revision.
    const { systemTree } = await ok(target, '{ systemTree { id } }');
    const assignment = (
      await ok(target, 'mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', {
        input: { clientTaskId: imported.statistics, groupId: systemTree[0].id, schedule: { kind: 'DAILY', startAt: '2026-12-01T09:30' } },
      })
    ).assignClientTask.assignment;
    const current = await clientTask(target, imported.statistics);
    const newName = uniqueName('Weekly statistics');
    const replaced = await importOk(withTasks([entry({ name: exported.statistics.name, settings: { paths: ['/srv'] }, enabled: false }), entry({ name: newName })]), 'REPLACE');
    expect(replaced.results.map((result: any) => [result.finalName, result.action, result.clientTaskId === imported.statistics])).toEqual([
      [exported.statistics.name, 'REPLACED', true],
      [newName, 'CREATED', false],
    ]);
    expect(await clientTask(target, imported.statistics)).toMatchObject({
      name: exported.statistics.name,
      settings: { paths: ['/srv'] },
      enabled: true,
      version: current.version + 1,
      approvedRevision: current.approvedRevision + 1,
    });
    const stillAssigned = await ok(target, 'query ($id: ID!) { assignment(id: $id) { id clientTask { id } } }', { id: assignment.id });
    expect(stillAssigned.assignment.clientTask.id).toBe(imported.statistics);
  });

  it('lets permission sets decide: VIEW on a product exports its tasks, EDIT imports them', async () => {
    /** A user holding one permission set with the given grants, by product name. */
    const userWith = async (stack: StewardStack, grants: Record<string, string[]>) => {
      const { products } = await ok(stack, '{ products { id name } }');
      const set = await ok(stack, 'mutation ($input: CreatePermissionSetInput!) { createPermissionSet(input: $input) { permissionSet { id } } }', {
        input: { name: uniqueName('set'), grants: Object.entries(grants).map(([name, capabilities]) => ({ productId: products.find((p: any) => p.name === name).id, capabilities })) },
      });
      const token = await stack.signIn([]);
      const { me } = (await gql(stack, '{ me { id } }', {}, token)).data;
      await ok(stack, 'mutation ($input: PermissionSetUserInput!) { assignPermissionSet(input: $input) { user { id } } }', { input: { permissionSetId: set.createPermissionSet.permissionSet.id, userId: me.id } });
      return token;
    };
    const agentViewer = await userWith(source, { Agent: ['VIEW'] });
    expect((await exportFrom(source, [exported.statistics.id], agentViewer)).data?.exportClientTasks.document.clientTasks).toHaveLength(1);
    expect((await exportFrom(source, [exported.statistics.id, exported.scan.id], agentViewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const agentOnly = withTasks([entry({ name: uniqueName('agent only') })]);
    const both = withTasks([entry({ name: uniqueName('agent') }), { ...exported.document.clientTasks[0], name: uniqueName('scan') }]);
    const [viewer, agentEditor] = await Promise.all([userWith(target, { Agent: ['VIEW'] }), userWith(target, { Agent: ['EDIT'], 'Threat Prevention': ['VIEW'] })]);
    const before = await targetCatalog();
    expect((await importInto(agentOnly, 'RENAME', false, viewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await importInto(both, 'RENAME', true, agentEditor)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await importInto(both, 'RENAME', false, agentEditor)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await targetCatalog()).toEqual(before);
    const allowed = await importInto(agentOnly, 'RENAME', false, agentEditor);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.importClientTasks.results).toEqual([expect.objectContaining({ action: 'CREATED', awaitingApproval: false })]);
  });

  it('leaves creations and replacements awaiting approval where the importer’s edits need it', async () => {
    const setApproval = (required: boolean) =>
      ok(target, 'mutation ($input: SetClientTaskApprovalRequiredInput!) { setClientTaskApprovalRequired(input: $input) { clientTaskApprovalRequired } }', { input: { required } });
    const approved = await clientTask(target, imported.statistics);
    await setApproval(true);
    try {
      const newName = uniqueName('Proposed statistics');
      const document = withTasks([entry({ name: exported.statistics.name, settings: { paths: ['/opt'] } }), entry({ name: newName })]);
      const dryRun = await importOk(document, 'REPLACE', true);
      expect(dryRun.results.map((result: any) => [result.action, result.awaitingApproval])).toEqual([
        ['REPLACED', true],
        ['CREATED', true],
      ]);
      const { results } = await importOk(document, 'REPLACE');
      expect(results.map((result: any) => [result.action, result.awaitingApproval])).toEqual([
        ['REPLACED', true],
        ['CREATED', true],
      ]);
      const withChange = async (id: string) => (await ok(target, `query ($id: ID!) { clientTask(id: $id) { ${TASK_FIELDS} pendingChange { name settings enabled } } }`, { id })).clientTask;
      // The replaced task keeps running its approved settings until an approver applies the proposed ones.
      expect(await withChange(imported.statistics)).toMatchObject({ settings: approved.settings, approvedRevision: approved.approvedRevision, pendingChange: { settings: { paths: ['/opt'] } } });
      expect(await withChange(results[1].clientTaskId)).toMatchObject({ name: newName, approvedRevision: 0, pendingChange: { name: newName, enabled: true } });

      // A second change of a task with one pending is refused, and with it the whole document.
      const before = await targetCatalog();
      const again = await importInto(withTasks([entry({ name: uniqueName('unrelated') }), entry({ name: exported.statistics.name, settings: { paths: ['/tmp'] } })]), 'REPLACE');
      expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(await targetCatalog()).toEqual(before);
    } finally {
      await setApproval(false);
    }
  });

  it('refuses a task whose product is not checked in here, with a clear message, and writes nothing', async () => {
    const product = uniqueName('Firewall');
    const checkedIn = await ok(source, 'mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', {
      input: { manifest: { name: product, version: '2.1.0', taskTypes: [{ name: 'Apply Rules', settingsSchema: { type: 'object', properties: { rules: { type: 'array', items: { type: 'string' } } } }, command: 'printf "%s\\n" "$STEWARD_RULES"' }] } },
    });
    const rules = await createTask(source, checkedIn.checkInProduct.product.taskTypes[0].id, uniqueName('Block telnet'), { rules: ['deny 23'] });
    const { document } = (await ok(source, EXPORT, { input: { clientTaskIds: [exported.statistics.id, rules.id] } })).exportClientTasks;

    const before = await targetCatalog();
    const refused = await importInto(document, 'REPLACE');
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain(`/clientTasks/1 ("${rules.name}"): the product ${product} is not checked in on this server (the task was exported from ${product} 2.1.0)`);
    expect(refused.errors?.[0]?.message).not.toContain('/clientTasks/0');
    expect((await importInto(document, 'REPLACE', true)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await targetCatalog()).toEqual(before);
    expect(await lastAudit(target, 'importClientTasks')).toMatchObject({ outcome: 'FAILURE', details: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses malformed documents, other formats and versions, unknown types, invalid settings and repeated names, and writes nothing', async () => {
    const before = await targetCatalog();
    const refusals: Array<[string, unknown, string[]]> = [
      ['another format', { format: 'epo.client-tasks', formatVersion: 1, clientTasks: [] }, ['This is not a client task document: "format" must be "steward.client-tasks"']],
      ['a newer version', { ...exported.document, formatVersion: 2 }, ['Format version 2 of steward.client-tasks is not supported; this server reads version 1']],
      ['no version', { ...exported.document, formatVersion: undefined }, ['Format version null of steward.client-tasks is not supported']],
      ['no tasks', withTasks([]), ['The document is malformed: /clientTasks must NOT have fewer than 1 items']],
      ['no exportedAt', { ...exported.document, exportedAt: undefined }, ["must have required property 'exportedAt'"]],
      ['an unknown key', { ...exported.document, extra: 1 }, ['must NOT have additional properties']],
      [
        'broken entries',
        withTasks([{ ...entry({}), settings: 'none' }, { ...entry({}), enabled: 'yes', product: { name: 'Agent' } }]),
        ['/clientTasks/0/settings must be object', '/clientTasks/1/enabled must be boolean', "/clientTasks/1/product must have required property 'version'"],
      ],
      ['a blank name', withTasks([entry({ name: '   ' })]), ['/clientTasks/0/name must match pattern']],
      ['invalid settings', withTasks([entry({ name: 'bad paths', settings: { paths: ['relative/path'] } })]), ['/clientTasks/0 ("bad paths"): The settings are invalid for Statistics: /paths/0 must match pattern']],
      [
        'settings from another product version',
        withTasks([entry({ name: 'newer', product: { name: 'Agent', version: '6.0.0' }, settings: { paths: ['/'], sampleRate: 5 } })]),
        ['/clientTasks/0 ("newer"): The settings are invalid for Statistics: / must NOT have additional properties (exported from Agent 6.0.0; this server has 5.7.0)'],
      ],
      ['an unknown task type', withTasks([entry({ name: 'teleport', taskType: 'Teleport' })]), ['/clientTasks/0 ("teleport"): Agent 5.7.0 has no task type "Teleport"']],
      ['a name twice', withTasks([entry({ name: 'twice' }), entry({ name: ' twice ' })]), ['/clientTasks/1 ("twice"): /clientTasks/0 has the same name and task type (Agent Statistics)']],
      [
        'every problem at once',
        withTasks([entry({ name: 'a', settings: {} }), entry({ name: 'b', taskType: 'Teleport' }), entry({ name: 'c', product: { name: 'Nonexistent', version: '1.0' } }), entry({ name: 'fine' })]),
        ['Nothing was imported. 3 problems:', '/clientTasks/0 ("a"): The settings are invalid', '/clientTasks/1 ("b"): Agent 5.7.0 has no task type', '/clientTasks/2 ("c"): the product Nonexistent is not checked in'],
      ],
    ];
    for (const [what, document, messages] of refusals) {
      for (const dryRun of [true, false]) {
        const result = await importInto(document, 'RENAME', dryRun);
        expect({ what, dryRun, code: result.errors?.[0]?.extensions?.code }).toEqual({ what, dryRun, code: 'BAD_USER_INPUT' });
        for (const message of messages) expect({ what, message: result.errors?.[0]?.message }).toEqual({ what, message: expect.stringContaining(message) });
      }
    }
    const notAnObject = await importInto([exported.document], 'SKIP');
    expect(notAnObject.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await targetCatalog()).toEqual(before);
  });

  it('refuses users without the right to export or import with FORBIDDEN, and anonymous callers, and writes nothing', async () => {
    const [sourceUser, targetUser] = await Promise.all([source.signIn([]), target.signIn([])]);
    const before = await targetCatalog();
    expect((await exportFrom(source, [exported.statistics.id], sourceUser)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await exportFrom(source, [exported.statistics.id], '')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const document = withTasks([entry({ name: uniqueName('guarded') })]);
    for (const dryRun of [true, false]) {
      expect((await importInto(document, 'RENAME', dryRun, targetUser)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await importInto(document, 'RENAME', dryRun, '')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await targetCatalog()).toEqual(before);
  });
});
