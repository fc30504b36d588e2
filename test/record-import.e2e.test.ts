import { randomUUID } from 'node:crypto';
import { AuditEvent, Job, JobEvent, JobState, JobType, VaultRecord } from '../db/entities';
import { createRecordInputProblems } from '../api/inputs/record-import-inputs';
import { createServices } from '../services';
import { AuthService } from '../services/identity/auth-service';
import { SYSTEM_ACTOR } from '../services/shared/audit';
import { ConflictError } from '../services/shared/errors';
import { generatePassword } from '../services/vault/password-policy';
import { RecordImportFormat } from '../services/vault/record-import';
import type { RecordSpec } from '../services/vault/record-service';
import { temporalPorts } from '../temporal/ports';
import { createTestUser } from './harness/sshd';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { finishedJob, runOnDemand, unlock } from './harness/vault-fixtures';

const IMPORT = `mutation ($input: ImportRecordsInput!) {
  importRecords(input: $input) { dryRun created records { id name host port username timeZone tasks { task { id } } } errors { row field message code } }
}`;

interface ImportResult {
  dryRun: boolean;
  created: number;
  records: { id: string; name: string; host: string; port: number; username: string; timeZone: string; tasks: { task: { id: string } }[] }[];
  errors: { row: number; field: string | null; message: string; code: string }[];
}

const HEADER = 'name,host,port,username,password,hostKeyFingerprint,timeZone';

/** A CSV cell, quoted as a spreadsheet writes it. */
function cell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('importRecords', () => {
  let stack: StewardStack;
  let token: string;
  let fingerprint: string;
  let recordTypeId: string;
  let taskId: string;
  let plainTypeId: string;
  let plainTypeName: string;

  async function importRecords(input: Record<string, unknown>, as = token): Promise<ImportResult> {
    const result = await stack.graphql<{ importRecords: ImportResult }>(IMPORT, { input }, as);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data.importRecords;
  }

  function csvRow(name: string, overrides: Partial<Record<'host' | 'port' | 'username' | 'password' | 'timeZone', string>> = {}): string {
    const values = { host: '10.0.0.7', port: '22', username: 'svc', password: generatePassword(), timeZone: 'Europe/Berlin', ...overrides };
    return [name, values.host, values.port, values.username, values.password, fingerprint, values.timeZone].map(cell).join(',');
  }

  async function tableCounts(): Promise<number[]> {
    const em = stack.orm.em.fork();
    // Scoped to what an import writes: the engine's own server tasks may run meanwhile.
    return Promise.all([em.count(VaultRecord), em.count(Job, { record: { $ne: null } }), em.count(AuditEvent, { action: { $in: ['createRecord', 'importRecords'] } })]);
  }

  async function countNamed(names: string[]): Promise<number> {
    return stack.orm.em.fork().count(VaultRecord, { name: { $in: names } });
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    fingerprint = testEnvironment().sshdFingerprint;
    const created = await stack.graphql<any>(
      `mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id tasks { id } } } }`,
      {
        input: {
          name: uniqueName('imported-linux'),
          tasks: [
            {
              name: 'Rotate password',
              script: 'PASSWORD_RESET_REMOTE_UNIX',
              policyEvents: ['ON_DEMAND', 'EVERY_N_DAYS'],
              executionNode: 'local',
              schedule: { timeOfDay: '03:00', intervalDays: 7, anchorDate: new Date().toISOString().slice(0, 10) },
            },
          ],
        },
      },
      token,
    );
    recordTypeId = created.data.createRecordType.recordType.id;
    taskId = created.data.createRecordType.recordType.tasks[0].id;
    plainTypeName = uniqueName('imported-plain');
    const plain = await stack.graphql<any>(`mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }`, { input: { name: plainTypeName } }, token);
    plainTypeId = plain.data.createRecordType.recordType.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('on a dry run checks every row, reports what it would create, and writes nothing', async () => {
    const names = [uniqueName('dry'), uniqueName('dry'), uniqueName('dry')];
    const before = await tableCounts();
    const result = await importRecords({ format: 'CSV', content: [HEADER, ...names.map((name) => csvRow(name))].join('\n'), recordTypeId, dryRun: true });
    expect(result).toEqual({ dryRun: true, created: 3, records: [], errors: [] });
    expect(await countNamed(names)).toBe(0);
    expect(await tableCounts()).toEqual(before);
  });

  it('with one bad row among many, writes nothing and reports every problem with its row and column', async () => {
    const existing = uniqueName('taken');
    expect((await importRecords({ format: 'CSV', content: [HEADER, csvRow(existing)].join('\n'), recordTypeId: plainTypeId })).created).toBe(1);
    const names = Array.from({ length: 50 }, () => uniqueName('batch'));
    const lines = names.map((name) => csvRow(name));
    lines[6] = csvRow(names[6]!, { host: 'not a host!' });
    lines[19] = csvRow(names[19]!, { password: 'two\tparts' });
    lines[29] = csvRow(names[1]!);
    lines[39] = csvRow(existing);
    lines[44] = csvRow(names[44]!, { port: '70000', username: '9lives', timeZone: 'Mars/Olympus' });
    const before = await tableCounts();

    const result = await importRecords({ format: 'CSV', content: [HEADER, ...lines].join('\n'), recordTypeId });

    expect(result.created).toBe(0);
    expect(result.records).toEqual([]);
    expect(result.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
      { row: 7, field: 'host', code: 'BAD_USER_INPUT' },
      { row: 20, field: 'password', code: 'BAD_USER_INPUT' },
      { row: 30, field: 'name', code: 'CONFLICT' },
      { row: 40, field: 'name', code: 'CONFLICT' },
      { row: 45, field: 'port', code: 'BAD_USER_INPUT' },
      { row: 45, field: 'username', code: 'BAD_USER_INPUT' },
      { row: 45, field: 'timeZone', code: 'BAD_USER_INPUT' },
    ]);
    expect(result.errors[2]!.message).toContain('row 2');
    expect(result.errors[3]!.message).toContain('already exists');
    expect(await tableCounts()).toEqual(before);
    expect(await countNamed(names)).toBe(0);
  });

  it('refuses content it cannot read as a whole: an unknown column, a JSON that is not an array', async () => {
    const unknownColumn = await stack.graphql(IMPORT, { input: { format: 'CSV', content: `${HEADER},owner\n${csvRow(uniqueName('x'))},bob`, recordTypeId } }, token);
    expect(unknownColumn.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknownColumn.errors?.[0]?.message).toContain('"owner"');
    const notArray = await stack.graphql(IMPORT, { input: { format: 'JSON', content: '{"name":"x"}', recordTypeId } }, token);
    expect(notArray.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is for those who may create records', async () => {
    const withoutRole = await stack.signIn([]);
    const refused = await stack.graphql(IMPORT, { input: { format: 'CSV', content: [HEADER, csvRow(uniqueName('nope'))].join('\n'), recordTypeId } }, withoutRole);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('creates CSV records that work as createRecord’s: sealed password, first occurrence scheduled, a rotation on the host', async () => {
    const env = testEnvironment();
    // A comma and a quote: the password must survive CSV quoting.
    const initialPassword = `${generatePassword()},"q`;
    const account = await createTestUser(initialPassword);
    try {
      const name = uniqueName(account.username);
      const other = uniqueName('csv');
      const content = [HEADER, csvRow(name, { host: env.sshdHost, port: String(env.sshdPort), username: account.username, password: initialPassword }), csvRow(other, { port: '' })].join('\r\n');
      const result = await importRecords({ format: 'CSV', content, recordTypeId });
      expect(result.errors).toEqual([]);
      expect(result.created).toBe(2);
      expect(result.records.map((record) => record.name)).toEqual([name, other]);
      expect(result.records[1]).toMatchObject({ port: 22, timeZone: 'Europe/Berlin', tasks: [{ task: { id: taskId } }] });
      const recordId = result.records[0]!.id;

      const em = stack.orm.em.fork();
      const stored = await em.findOneOrFail(VaultRecord, { id: recordId }, { populate: ['encryptedPassword'] });
      expect(stored.encryptedPassword).not.toContain(initialPassword);
      const upcoming = await em.find(Job, { record: { $in: result.records.map((record) => record.id) }, type: JobType.SCHEDULED, state: JobState.SCHEDULED });
      expect(upcoming.map((job) => job.triggerEvent)).toEqual(['EVERY_N_DAYS', 'EVERY_N_DAYS']);
      // Each occurrence has what createRecord's gets: its Scheduled event, and its start in the engine outbox.
      for (const job of upcoming) {
        const events = await em.find(JobEvent, { job: job.id });
        expect(events.map((event) => [event.kind, event.message])).toEqual([['SCHEDULED', expect.stringMatching(/^Recurring \(EVERY_N_DAYS\)/)]]);
        const starts = await em.getConnection().execute<{ kind: string; workflow_id: string }[]>('select "kind", "workflow_id" from "engine_outbox" where "subject_id" = ?', [job.id]);
        expect(starts).toEqual([{ kind: 'START_JOB', workflow_id: job.workflowId }]);
      }
      const imports = await em.find(AuditEvent, { action: 'importRecords' });
      expect(imports.filter((event) => event.details?.created === 2)).toHaveLength(1);

      expect(await unlock(stack, token, recordId)).toBe(initialPassword);
      const job = await finishedJob(stack, token, (await runOnDemand(stack, token, recordId, taskId)).id);
      expect(job.state).toBe('COMPLETED');
      expect(await unlock(stack, token, recordId)).not.toBe(initialPassword);
    } finally {
      await account.remove();
    }
  });

  it('creates JSON records, each of the record type its row names', async () => {
    const rows = [
      { name: uniqueName('json'), host: 'db1.example.com', port: 2222, username: 'postgres', password: generatePassword(), hostKeyFingerprint: fingerprint, recordType: plainTypeName },
      { name: uniqueName('json'), host: '2001:db8::1', username: 'oracle', password: generatePassword(), hostKeyFingerprint: fingerprint },
    ];
    const result = await importRecords({ format: 'JSON', content: JSON.stringify(rows), recordTypeId });
    expect(result.errors).toEqual([]);
    expect(result.records).toMatchObject([
      { name: rows[0]!.name, port: 2222, timeZone: 'UTC', tasks: [] },
      { name: rows[1]!.name, port: 22, tasks: [{ task: { id: taskId } }] },
    ]);
    const unknownType = await importRecords({ format: 'JSON', content: JSON.stringify([{ ...rows[0], name: uniqueName('json'), recordType: 'no such type', extra: 1 }]) });
    expect(unknownType.errors.map(({ row, field, code }) => ({ row, field, code }))).toEqual([
      { row: 1, field: 'extra', code: 'BAD_USER_INPUT' },
      { row: 1, field: 'recordType', code: 'NOT_FOUND' },
    ]);
  });

  it('answers a retry with the same idempotency key with the first result, creating nothing more', async () => {
    const names = [uniqueName('retry'), uniqueName('retry')];
    const input = { format: 'CSV', content: [HEADER, ...names.map((name) => csvRow(name))].join('\n'), recordTypeId: plainTypeId, idempotencyKey: randomUUID() };
    const first = await importRecords(input);
    const retry = await importRecords(input);
    expect(first.created).toBe(2);
    expect(retry).toEqual(first);
    expect(await countNamed(names)).toBe(2);
  });

  it('writes nothing when a record of a row’s name is created between its checks and its write: the insert’s conflict, not a later error, is reported', async () => {
    const names = Array.from({ length: 1_500 }, (_, index) => uniqueName(`raced-${index}`));
    const content = [HEADER, ...names.map((name) => csvRow(name))].join('\n');
    // In the second chunk of rows, so the first has been inserted when the conflict comes.
    const raced = names[1_200]!;
    const services = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));
    const user = await new AuthService(stack.orm.em.fork()).createUser(SYSTEM_ACTOR, uniqueName('importer'), generatePassword(), ADMIN_ROLES);
    const before = await tableCounts();
    // The row checks run after the names were looked up: the record another request creates now is what a race leaves.
    const checkWhileAnotherCreates = async (spec: RecordSpec) => {
      if (spec.name === raced) expect((await importRecords({ format: 'CSV', content: [HEADER, csvRow(raced)].join('\n'), recordTypeId: plainTypeId })).created).toBe(1);
      return createRecordInputProblems(spec);
    };

    const imported = services.recordImport.importRecords(user, { format: RecordImportFormat.CSV, content, recordTypeId }, checkWhileAnotherCreates);
    await expect(imported).rejects.toThrow(ConflictError);
    await expect(imported).rejects.toThrow('A record of the same name as one in the import was created meanwhile; nothing was imported');
    expect(await countNamed(names)).toBe(1);
    // Only the other request's record and its audit entry: none of the import's records, jobs or audit.
    const [records, jobs, audits] = await tableCounts();
    expect([records - before[0]!, jobs - before[1]!, audits - before[2]!]).toEqual([1, 0, 1]);
  });

  it('imports 10,000 rows (the time is printed, not asserted)', async () => {
    const content = [HEADER, ...Array.from({ length: 10_000 }, (_, index) => csvRow(`bulk-${randomUUID().slice(0, 8)}-${index}`))].join('\n');
    const started = performance.now();
    const result = await importRecords({ format: 'CSV', content, recordTypeId: plainTypeId });
    const seconds = (performance.now() - started) / 1000;
    expect(result.created).toBe(10_000);
    expect(result.records).toHaveLength(100);
    console.log(`importRecords: 10,000 CSV rows in ${seconds.toFixed(2)} s (${Math.round(10_000 / seconds)} rows/s)`);
  });
});
