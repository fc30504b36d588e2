import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { canLogin } from '../infra/ssh';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';

async function pendingPasswordOf(stack: StewardStack, recordId: string): Promise<string | null> {
  const [row] = await stack.orm.em.fork().getConnection().execute<{ encrypted_pending_password: string | null }[]>(
    'select encrypted_pending_password from records where id = ?',
    [recordId],
  );
  return row!.encrypted_pending_password;
}

describe('a rotation that cannot complete leaves the vault holding a working password', () => {
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

  it('refuses a host whose key does not match the pinned fingerprint, before sending any credential', async () => {
    // A well-formed fingerprint of some other key.
    const wrongFingerprint = `SHA256:${Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '')}`;
    const record = await createRotatableRecord(stack, token, { hostKeyFingerprint: wrongFingerprint });
    records.push(record);
    const logBefore = readFileSync(testEnvironment().sshdLogFile, 'utf8').length;

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);

    expect(job.state).toBe('ERROR');
    expect(job.result).toContain('host key');
    expect(job.result).toContain(wrongFingerprint);
    expect(job.result).toContain(testEnvironment().sshdFingerprint);
    const sshdLog = readFileSync(testEnvironment().sshdLogFile, 'utf8').slice(logBefore);
    // The sshd is shared: other suites' leftover jobs may log in meanwhile, so only this account's lines count.
    expect(sshdLog.split('\n').filter((line) => line.includes(record.username))).toEqual([]);

    expect(await unlock(stack, token, record.recordId)).toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(true);
  });

  it('keeps the current password when the host refuses the change, and clears the pending one', async () => {
    const record = await createRotatableRecord(stack, token);
    records.push(record);
    // A minimum password age makes passwd refuse a user's own change.
    execFileSync('chage', ['--mindays', '99999', record.username]);

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);

    expect(job.state).toBe('ERROR');
    expect(job.details.exitCode).not.toBe(0);
    expect(job.details.output).toMatch(/wait longer|password/i);
    expect(job.result).toContain('passwd');
    expect(job.events.map((event: { kind: string }) => event.kind)).toContain('FAILED');
    expect(job.events.map((event: { message: string }) => event.message).join('\n')).toMatch(/kept current/);

    expect(await unlock(stack, token, record.recordId)).toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(true);
    expect(await pendingPasswordOf(stack, record.recordId)).toBeNull();
  });

  it('reports the failure to Temporal as a failed workflow with the job state Error', async () => {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ workflow_id: string }[]>(
      "select workflow_id from jobs where record_id = ? and state = 'ERROR'",
      [records[1]!.recordId],
    );
    const description = await stack.client.workflow.getHandle(row!.workflow_id).describe();
    expect(description.status.name).toBe('FAILED');
    expect(description.typedSearchAttributes.getAll().find((pair) => pair.key.name === 'StewardJobState')?.value).toBe('ERROR');
  });
});
