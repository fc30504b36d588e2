/**
 * A change to a record and the jobs it causes commit in one transaction. Here PostgreSQL refuses
 * the job rows of one record (a trigger the test installs), which stands for a crash between the
 * change and its jobs: the change must be rolled back with them, then go through whole once the
 * fault is gone.
 */
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { createRotatableRecord, type RotatableRecord } from './harness/vault-fixtures';

const UNLOCK = 'mutation ($input: UnlockRecordInput!) { unlockRecord(input: $input) { password } }';
const UPDATE = 'mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { name version } } }';
const ADD_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }';

describe('a record change and the jobs it causes commit together', () => {
  let stack: StewardStack;
  let admin: string;
  let record: RotatableRecord;

  const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => stack.orm.em.fork().getConnection().execute<T[]>(query, params);

  /** Until removed, every job row written for the record is refused, as a database that fails mid-change would. */
  const failJobWrites = async (recordId: string) => {
    await sql(`create or replace function steward_test_refuse_jobs() returns trigger language plpgsql as $$
      begin if new.record_id = '${recordId}' then raise exception 'injected fault: the job row is refused'; end if; return new; end $$`);
    await sql('create trigger steward_test_refuse_jobs before insert on jobs for each row execute function steward_test_refuse_jobs()');
    return async () => {
      await sql('drop trigger steward_test_refuse_jobs on jobs');
      await sql('drop function steward_test_refuse_jobs()');
    };
  };

  const jobsOf = (recordId: string) => sql<{ trigger_event: string; state: string }>('select trigger_event, state from jobs where record_id = ? order by created_at', [recordId]);
  const successfulAudits = async (action: string, recordId: string) =>
    Number((await sql<{ n: string }>(`select count(*) as n from audit_events where action = ? and target_id = ? and outcome = 'SUCCESS'`, [action, recordId]))[0]!.n);
  const recordRow = async (recordId: string) => (await sql<{ name: string; version: number }>('select name, version from records where id = ?', [recordId]))[0]!;

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    admin = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, admin);
    const type = await stack.graphql<any>('query ($id: ID!) { record(id: $id) { recordType { id } } }', { id: record.recordId }, admin);
    for (const task of [
      { name: 'Rotate an hour after unlock', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['AFTER_UNLOCK'], minutesAfterUnlock: 60 },
      { name: 'Verify after a change', script: 'VERIFY_PASSWORD', policyEvents: ['AFTER_RECORD_CHANGE'] },
    ]) {
      const added = await stack.graphql(ADD_TASK, { input: { recordTypeId: type.data.record.recordType.id, task } }, admin);
      expect(added.errors).toBeUndefined();
    }
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
  });

  it('an unlock whose After Unlock job cannot be written reveals nothing and leaves no trace; once it can, it is audited with its job', async () => {
    const removeFault = await failJobWrites(record.recordId);
    try {
      const refused = await stack.graphql<any>(UNLOCK, { input: { recordId: record.recordId, reason: 'during the fault' } }, admin);
      expect(refused.data).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(refused)).not.toContain(record.initialPassword);
      expect(await jobsOf(record.recordId)).toEqual([]);
      expect(await successfulAudits('unlockRecord', record.recordId)).toBe(0);
    } finally {
      await removeFault();
    }

    const unlocked = await stack.graphql<any>(UNLOCK, { input: { recordId: record.recordId, reason: 'after the fault' } }, admin);
    expect(unlocked.data.unlockRecord.password).toBe(record.initialPassword);
    expect(await jobsOf(record.recordId)).toEqual([{ trigger_event: 'AFTER_UNLOCK', state: 'SCHEDULED' }]);
    expect(await successfulAudits('unlockRecord', record.recordId)).toBe(1);
  });

  it('an update whose After Record Change job cannot be written is not committed; once it can, both are', async () => {
    const before = await recordRow(record.recordId);
    const jobsBefore = await jobsOf(record.recordId);
    const update = () => stack.graphql<any>(UPDATE, { input: { recordId: record.recordId, version: before.version, name: `${before.name}-renamed` } }, admin);
    const removeFault = await failJobWrites(record.recordId);
    try {
      const refused = await update();
      expect(refused.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await recordRow(record.recordId)).toEqual(before);
      expect(await jobsOf(record.recordId)).toEqual(jobsBefore);
      expect(await successfulAudits('updateRecord', record.recordId)).toBe(0);
    } finally {
      await removeFault();
    }

    // The version the caller read is still the current one: the refused attempt changed nothing.
    const updated = await update();
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateRecord.record.name).toBe(`${before.name}-renamed`);
    expect(await jobsOf(record.recordId)).toEqual([...jobsBefore, { trigger_event: 'AFTER_RECORD_CHANGE', state: 'SCHEDULED' }]);
    expect(await successfulAudits('updateRecord', record.recordId)).toBe(1);
  });
});
