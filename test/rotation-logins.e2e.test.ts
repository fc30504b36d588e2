import { execFileSync } from 'node:child_process';
import { canLogin } from '../infra/ssh';
import { createServices } from '../services';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { temporalPorts } from '../temporal/ports';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import {
  createRotatableRecord,
  failedLoginsSince,
  finishedJob,
  type RotatableRecord,
  runOnDemand,
  scheduleRun,
  sshdLogOffset,
  sshTarget,
  unlock,
} from './harness/vault-fixtures';

/**
 * pam_faillock or fail2ban lock an account after a few failed logins (deny=3), so a rotation
 * must not log in with a password the host cannot know yet. The test sshd logs every refused
 * password; these tests count them for the rotated account.
 */
describe('a rotation does not lock out the account it rotates', () => {
  let stack: StewardStack;
  let token: string;
  const records: RotatableRecord[] = [];

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    for (const record of records) await record.removeUser();
    await stack?.stop();
  });

  async function rotatableRecord(): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, token);
    records.push(record);
    return record;
  }

  it('costs no failed login when the rotation succeeds', async () => {
    const record = await rotatableRecord();
    const since = sshdLogOffset();

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);

    expect(job.state).toBe('COMPLETED');
    const password = await unlock(stack, token, record.recordId);
    expect(password).not.toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);
    expect(failedLoginsSince(record.username, since)).toBe(0);
  });

  it('costs at most one failed login when the host refuses the change', async () => {
    const record = await rotatableRecord();
    // A minimum password age makes passwd refuse a user's own change.
    execFileSync('chage', ['--mindays', '99999', record.username]);
    const since = sshdLogOffset();

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);

    expect(job.state).toBe('ERROR');
    expect(job.result).toContain('passwd');
    expect(await unlock(stack, token, record.recordId)).toBe(record.initialPassword);
    const failures = failedLoginsSince(record.username, since);
    console.log(`a refused change cost ${failures} failed login(s) on the host`);
    expect(failures).toBeLessThanOrEqual(1);
  });

  it('finds a change an earlier attempt made with one refused login, and does not change the password again', async () => {
    const record = await rotatableRecord();
    // A job that waits far in the future, whose steps this test runs itself, as a retried attempt would.
    const job = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + 60 * 60_000));
    const services = createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));
    await services.rotation.preparePendingPassword(job.id);
    const [row] = await stack.orm.em.fork().execute<{ encrypted_pending_password: string }[]>(
      'select encrypted_pending_password from records where id = ?',
      [record.recordId],
    );
    const pending = new VaultSecrets(stack.masterKey).open(record.recordId, row!.encrypted_pending_password);
    // The earlier attempt changed the password, then its worker died.
    execFileSync('chpasswd', { input: `${record.username}:${pending}\n` });
    const since = sshdLogOffset();

    const result = await createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey)).rotation.changePasswordOnHost(job.id, new AbortController().signal);

    expect(result).toEqual({ exitCode: 0, alreadyChanged: true });
    expect(failedLoginsSince(record.username, since)).toBe(1);
    await expect(canLogin(sshTarget(record.username, pending))).resolves.toBe(true);
    // Until the rotation settles, unlock hands out the password the host now accepts.
    const unlocked = await stack.graphql<{ unlockRecord: { password: string; unsettledRotation: boolean } }>(
      'mutation ($input: UnlockRecordInput!) { unlockRecord(input: $input) { password unsettledRotation } }',
      { input: { recordId: record.recordId, reason: 'test' } },
      token,
    );
    expect(unlocked.data?.unlockRecord).toEqual({ password: pending, unsettledRotation: true });
    const cancelled = await stack.graphql<any>('mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }', { input: { jobId: job.id } }, token);
    expect(cancelled.data?.cancelJob.job.state).toBe('CANCELLED');
  });
});
