import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canLogin } from '../infra/ssh';
import { generatePassword } from '../services/vault/password-policy';
import { createTestUser, type SshdHandle, startSshd } from './harness/sshd';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';

const ADD = `mutation ($input: AddRecordDependencyInput!) { addRecordDependency(input: $input) { dependency { id name version accountRecord { id } } } }`;
const UPDATE = `mutation ($input: UpdateRecordDependencyInput!) { updateRecordDependency(input: $input) { dependency { id version command } } }`;
const REMOVE = `mutation ($input: RecordDependencyRefInput!) { removeRecordDependency(input: $input) { id } }`;
const DEPENDENCIES = `query ($id: ID!) { record(id: $id) { recordType { id } dependencies { id name host port hostKeyFingerprint command accountRecord { id } } } }`;
/** Writes the password it reads on stdin to a file in the account's home on the dependency host; the password is never in argv. */
const WRITE_CONFIG = `IFS= read -r password; umask 077; printf '%s' "$password" > "$HOME/app-$STEWARD_ACCOUNT.conf"`;

/**
 * Dependencies on a second, real sshd (its own port and host key): a rotation updates them after
 * the host took the new password, and when one fails it puts the host and the ones already
 * updated back on the previous password, and the job ends in Error with the reason.
 */
describe('record dependencies, with rollback', () => {
  let stack: StewardStack;
  let token: string;
  let host2: SshdHandle;
  let record: RotatableRecord;
  let account: { username: string; password: string; recordId: string; remove(): Promise<void> };

  const configOnHost2 = () => {
    const home = execFileSync('getent', ['passwd', account.username], { encoding: 'utf8' }).split(':')[5]!;
    return readFileSync(path.join(home, `app-${record.username}.conf`), 'utf8');
  };
  const host2Target = { host: '', port: 0, hostKeyFingerprint: '' };
  const dependency = (name: string, command: string) => ({
    recordId: record.recordId,
    name: uniqueName(name),
    ...host2Target,
    accountRecordId: account.recordId,
    command,
  });
  const add = async (input: Record<string, unknown>, as = token) => stack.graphql<any>(ADD, { input }, as);

  beforeAll(async () => {
    [stack, host2] = await Promise.all([startStewardStack(), startSshd()]);
    Object.assign(host2Target, { host: host2.host, port: host2.port, hostKeyFingerprint: host2.hostKeyFingerprint });
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token);
    // The account that logs in to host 2: a record of its own, pinned to host 2's key.
    const password = generatePassword();
    const user = await createTestUser(password);
    const recordTypeId = (await stack.graphql<any>(DEPENDENCIES, { id: record.recordId }, token)).data.record.recordType.id;
    const created = await stack.graphql<any>(`mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }`, {
      input: { recordTypeId, name: uniqueName(user.username), ...host2Target, username: user.username, password },
    }, token);
    account = { username: user.username, password, recordId: created.data.createRecord.record.id, remove: user.remove };
  });

  afterAll(async () => {
    await record?.removeUser();
    await account?.remove();
    await host2?.stop();
    await stack?.stop();
  });

  it('refuses an account record not meant for the dependency’s host, and another account without Task Control: Manage', async () => {
    const elsewhere = await add({ ...dependency('elsewhere', WRITE_CONFIG), port: testEnvironment().sshdPort });
    expect(elsewhere.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(elsewhere.errors?.[0]?.message).toContain('not meant for');

    const editor = await stack.signIn([]);
    const editorId = (await stack.graphql<any>('{ me { id } }', {}, editor)).data.me.id;
    await stack.graphql(`mutation ($input: GrantRecordPermissionsInput!) { grantRecordPermissions(input: $input) { grant { id } } }`, {
      input: { recordId: record.recordId, userId: editorId, permissions: ['EDIT'] },
    }, token);
    const refused = await add(dependency('not-mine', WRITE_CONFIG), editor);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toContain('account record');
  });

  it('updates every dependency after the host took the new password', async () => {
    const first = await add(dependency('config', WRITE_CONFIG));
    expect(first.errors).toBeUndefined();
    expect(first.data.addRecordDependency.dependency.accountRecord.id).toBe(account.recordId);
    const listed = (await stack.graphql<any>(DEPENDENCIES, { id: record.recordId }, token)).data.record.dependencies;
    expect(listed).toEqual([expect.objectContaining({ name: first.data.addRecordDependency.dependency.name, ...host2Target, command: WRITE_CONFIG })]);

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(job.result).toBe('Completed');
    expect(job.state).toBe('COMPLETED');
    const rotated = await unlock(stack, token, record.recordId);
    expect(rotated).not.toBe(record.initialPassword);
    expect(configOnHost2()).toBe(rotated);
    expect(await canLogin(sshTarget(record.username, rotated))).toBe(true);
    expect(job.events.map((event: { message: string }) => event.message)).toContain(`Updated dependency ${first.data.addRecordDependency.dependency.name} with the new password`);
  });

  it('rolls the host and the dependencies already updated back when one fails, and ends in Error with the reason', async () => {
    const before = await unlock(stack, token, record.recordId);
    const failing = await add(dependency('broken', 'cat > /dev/null; echo "no such service" >&2; exit 1'));
    const failingName = failing.data.addRecordDependency.dependency.name;

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(job.state).toBe('ERROR');
    expect(job.result).toContain(`Dependency ${failingName} failed`);
    expect(job.result).toContain('exited with code 1');
    expect(job.result).toContain('rolled back');
    expect(job.details).toEqual({ exitCode: 1, output: 'no such service' });
    const messages = job.events.map((event: { message: string }) => event.message);
    expect(messages).toEqual(expect.arrayContaining(['Set the host back to the previous password', expect.stringMatching(/^Set dependency config-.* back to the previous password$/)]));

    // Everything as before: the vault's password works on the host, and the first dependency holds it again.
    const after = await stack.graphql<any>(`mutation ($input: UnlockRecordInput!) { unlockRecord(input: $input) { password unsettledRotation } }`, { input: { recordId: record.recordId, reason: 'test' } }, token);
    expect(after.data.unlockRecord).toEqual({ password: before, unsettledRotation: false });
    expect(await canLogin(sshTarget(record.username, before))).toBe(true);
    expect(configOnHost2()).toBe(before);

    // Changing and removing are audited like adding.
    const changed = await stack.graphql<any>(UPDATE, { input: { dependencyId: failing.data.addRecordDependency.dependency.id, version: 1, command: 'cat > /dev/null' } }, token);
    expect(changed.data.updateRecordDependency.dependency).toMatchObject({ version: 2, command: 'cat > /dev/null' });
    const stale = await stack.graphql<any>(UPDATE, { input: { dependencyId: failing.data.addRecordDependency.dependency.id, version: 1, name: 'stale' } }, token);
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await stack.graphql<any>(REMOVE, { input: { dependencyId: failing.data.addRecordDependency.dependency.id } }, token)).errors).toBeUndefined();
    const [{ actions }] = await stack.orm.em.fork().getConnection().execute<{ actions: string[] }[]>(
      `select array_agg(action order by created_at) as actions from audit_events where target_id = ? and action like '%RecordDependency' and outcome = 'SUCCESS'`,
      [record.recordId],
    );
    expect(actions).toEqual(['addRecordDependency', 'addRecordDependency', 'updateRecordDependency', 'removeRecordDependency']);
  });
});
