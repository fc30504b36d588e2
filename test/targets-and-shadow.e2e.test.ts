import { execFileSync } from 'node:child_process';
import { canLogin } from '../infra/ssh';
import { generatePassword } from '../services/vault/password-policy';
import { createTestUser } from './harness/sshd';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';

const ADD_TASK = `mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }`;
const RECORD = `query ($id: ID!) { record(id: $id) { version recordType { id } } }`;
const JOB = `query ($id: ID!) { job(id: $id) { state record { id } taskName events { message } details { output } } }`;

describe('target records and shadow accounts', () => {
  let stack: StewardStack;
  let token: string;
  const cleanups: (() => Promise<void>)[] = [];

  async function track(record: RotatableRecord): Promise<RotatableRecord> {
    cleanups.push(record.removeUser);
    return record;
  }

  async function addTask(recordId: string, task: Record<string, unknown>): Promise<string> {
    const record = await stack.graphql<any>(RECORD, { id: recordId }, token);
    const added = await stack.graphql<any>(ADD_TASK, { input: { recordTypeId: record.data.record.recordType.id, task } }, token);
    if (!added.data) throw new Error(JSON.stringify(added.errors));
    return added.data.addRecordTypeTask.task.id;
  }

  async function reference(recordId: string, referencedRecordId: string): Promise<void> {
    const record = await stack.graphql<any>(RECORD, { id: recordId }, token);
    const updated = await stack.graphql<any>(
      'mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }',
      { input: { recordId, version: record.data.record.version, referencedRecordId } },
      token,
    );
    if (!updated.data) throw new Error(JSON.stringify(updated.errors));
  }

  /** A record holding a uid-0 account on the test host: the shadow account. */
  async function superuserRecord(): Promise<string> {
    const password = generatePassword();
    const account = await createTestUser(password, { superuser: true });
    cleanups.push(account.remove);
    const env = testEnvironment();
    const type = await stack.graphql<any>('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', { input: { name: uniqueName('root'), tasks: [] } }, token);
    const record = await stack.graphql<any>(
      'mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }',
      {
        input: {
          recordTypeId: type.data.createRecordType.recordType.id,
          name: uniqueName(account.username),
          host: env.sshdHost,
          port: env.sshdPort,
          username: account.username,
          password,
          hostKeyFingerprint: env.sshdFingerprint,
        },
      },
      token,
    );
    return record.data.createRecord.record.id;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await stack?.stop();
  });

  it('resets, through a shadow account, the password of a user who cannot change it themselves', async () => {
    const record = await track(await createRotatableRecord(stack, token));
    // The user may not change their own password; root may.
    execFileSync('chage', ['--mindays', '99999', record.username]);
    const shadowId = await superuserRecord();
    const withShadow = await addTask(record.recordId, { name: 'Rotate as root', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'], shadowRecordId: shadowId });

    const ownAttempt = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(ownAttempt.state).toBe('ERROR');

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, withShadow)).id);
    expect(job.state).toBe('COMPLETED');
    const newPassword = await unlock(stack, token, record.recordId);
    expect(newPassword).not.toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, newPassword))).resolves.toBe(true);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(false);
    const details = await stack.graphql<any>(JOB, { id: job.id }, token);
    expect(details.data.job.details.output ?? '').not.toContain(newPassword);
  });

  it('a Referenced Record target runs the referenced record’s task with the same script, or the record’s own when it has none', async () => {
    const main = await track(await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' }));
    const referenced = await track(await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' }));
    const viaReference = await addTask(main.recordId, { name: 'Verify via reference', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'], targetRecord: 'REFERENCED' });

    // No referenced record yet: the job runs for the record itself.
    const alone = await stack.graphql<any>(JOB, { id: (await runOnDemand(stack, token, main.recordId, viaReference)).id }, token);
    expect(alone.data.job.record.id).toBe(main.recordId);
    expect(alone.data.job.events[0].message).toMatch(/runs for the record itself/);

    await reference(main.recordId, referenced.recordId);
    const queued = await runOnDemand(stack, token, main.recordId, viaReference);
    const job = await finishedJob(stack, token, queued.id);
    expect(job.state).toBe('COMPLETED');
    const details = await stack.graphql<any>(JOB, { id: queued.id }, token);
    expect(details.data.job.record.id).toBe(referenced.recordId);
    expect(details.data.job.taskName).toBe('Rotate password');
    expect(details.data.job.events[0].message).toMatch(/Scheduled for the referenced record/);
  });

  it('a Shadow Record target runs the shadow record’s task with the same script', async () => {
    const main = await track(await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' }));
    const shadow = await track(await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' }));
    const viaShadow = await addTask(main.recordId, { name: 'Verify via shadow', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'], targetRecord: 'SHADOW', shadowRecordId: shadow.recordId });
    const queued = await runOnDemand(stack, token, main.recordId, viaShadow);
    expect((await finishedJob(stack, token, queued.id)).state).toBe('COMPLETED');
    const details = await stack.graphql<any>(JOB, { id: queued.id }, token);
    expect(details.data.job.record.id).toBe(shadow.recordId);

    const missing = await stack.graphql(ADD_TASK, { input: { recordTypeId: (await stack.graphql<any>(RECORD, { id: main.recordId }, token)).data.record.recordType.id, task: { name: 'x', script: 'VERIFY_PASSWORD', policyEvents: ['ON_DEMAND'], targetRecord: 'SHADOW' } } }, token);
    expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('after a successful reset of a record that references another, the referenced record holds the new password', async () => {
    const main = await track(await createRotatableRecord(stack, token));
    const referenced = await track(await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' }));
    await reference(main.recordId, referenced.recordId);
    expect((await finishedJob(stack, token, (await runOnDemand(stack, token, main.recordId, main.taskId)).id)).state).toBe('COMPLETED');
    const newPassword = await unlock(stack, token, main.recordId);
    expect(await unlock(stack, token, referenced.recordId)).toBe(newPassword);
  });
});
