import { AuditEvent } from '../db/entities';
import { Role } from '../lib/enums';
import { freePort } from './harness/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand } from './harness/vault-fixtures';

const MISMATCH = 'hostKeyMismatch { pinned seen seenAt }';
/** Well-formed fingerprints of keys the test sshd does not have. */
const wrongFingerprint = (fill: number) => `SHA256:${Buffer.alloc(32, fill).toString('base64').replace(/=+$/, '')}`;
const SCAN = 'mutation ($input: ScanHostKeyInput!) { scanHostKey(input: $input) { host port fingerprint keyType } }';

describe('host keys: scanning one before pinning it, and a changed one reported, never trusted', () => {
  let stack: StewardStack;
  let admin: string;
  const accounts: RotatableRecord[] = [];

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await stack.graphql<any>(query, variables, admin);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const recordMismatch = async (id: string) => (await ok(`query ($id: ID!) { record(id: $id) { version ${MISMATCH} } }`, { id })).record;
  const systemMismatch = async (id: string) => (await ok(`query ($id: ID!) { system(id: $id) { version ${MISMATCH} } }`, { id })).system;
  const createSystem = async (credentialRecordId: string, hostKeyFingerprint: string) => {
    const { sshdHost, sshdPort } = testEnvironment();
    const rootId = (await ok('{ systemTree { id } }')).systemTree[0].id;
    const input = { name: uniqueName('host-key'), groupId: rootId, host: sshdHost, port: sshdPort, credentialRecordId, hostKeyFingerprint };
    return (await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', { input })).createSystem.system.id as string;
  };

  beforeAll(async () => {
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    await stack?.stop();
    for (const account of accounts) await account.removeUser();
  });

  it('returns the fingerprint and key type the test sshd presents, and audits the scan', async () => {
    const { sshdHost, sshdPort, sshdFingerprint } = testEnvironment();
    const scanned = await stack.graphql<any>(SCAN, { input: { host: sshdHost, port: sshdPort } }, admin);
    expect(scanned.errors).toBeUndefined();
    // The harness made an ed25519 host key, and knows its fingerprint from ssh-keygen.
    expect(scanned.data.scanHostKey).toEqual({ host: sshdHost, port: sshdPort, fingerprint: sshdFingerprint, keyType: 'ssh-ed25519' });
    const audited = await stack.orm.em.fork().find(AuditEvent, { action: 'scanHostKey' });
    expect(audited.map((event) => event.details)).toContainEqual({ host: sshdHost, port: sshdPort, fingerprint: sshdFingerprint, keyType: 'ssh-ed25519' });
  });

  it('refuses a host where no SSH server answers, a malformed host, and anyone but an administrator', async () => {
    const closed = await stack.graphql<any>(SCAN, { input: { host: '127.0.0.1', port: await freePort() } }, admin);
    expect(closed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(closed.errors?.[0]?.message).toMatch(/No SSH server answered at 127\.0\.0\.1:/);
    const malformed = await stack.graphql<any>(SCAN, { input: { host: 'not a host!', port: 22 } }, admin);
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const operator = await stack.signIn([Role.OPERATOR]);
    const refused = await stack.graphql<any>(SCAN, { input: { host: testEnvironment().sshdHost, port: testEnvironment().sshdPort } }, operator);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data).toBeNull();
  });

  it('reports a changed key on the record and the system that pin it, with both fingerprints, until a key is pinned again', async () => {
    const { sshdFingerprint } = testEnvironment();
    const pinned = wrongFingerprint(1);
    const record = await createRotatableRecord(stack, admin, { hostKeyFingerprint: pinned });
    const trusting = await createRotatableRecord(stack, admin);
    accounts.push(record, trusting);
    const systemId = await createSystem(record.recordId, pinned);
    expect((await recordMismatch(record.recordId)).hostKeyMismatch).toBeNull();

    const job = await finishedJob(stack, admin, (await runOnDemand(stack, admin, record.recordId, record.taskId)).id);
    expect(job.state).toBe('ERROR');
    const seen = { pinned, seen: sshdFingerprint, seenAt: expect.any(String) };
    const onRecord = await recordMismatch(record.recordId);
    expect(onRecord.hostKeyMismatch).toEqual(seen);
    expect(Date.now() - Date.parse(onRecord.hostKeyMismatch.seenAt)).toBeLessThan(120_000);
    // The system pins the same key for the same host and port, so it is told too; a record that pins the right key is not.
    expect((await systemMismatch(systemId)).hostKeyMismatch).toEqual(seen);
    expect((await recordMismatch(trusting.recordId)).hostKeyMismatch).toBeNull();

    // An administrator pins the key again: the report goes, on the record only.
    await ok('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { id } } }', {
      input: { recordId: record.recordId, version: onRecord.version, hostKeyFingerprint: sshdFingerprint },
    });
    expect((await recordMismatch(record.recordId)).hostKeyMismatch).toBeNull();
    const system = await systemMismatch(systemId);
    expect(system.hostKeyMismatch).toEqual(seen);
    await ok('mutation ($input: UpdateSystemInput!) { updateSystem(input: $input) { system { id } } }', { input: { systemId, version: system.version, hostKeyFingerprint: sshdFingerprint } });
    expect((await systemMismatch(systemId)).hostKeyMismatch).toBeNull();
  });

  it('reports a changed key seen by a client task job on its system', async () => {
    const account = await createRotatableRecord(stack, admin);
    accounts.push(account);
    const pinned = wrongFingerprint(2);
    const systemId = await createSystem(account.recordId, pinned);
    const { products } = await ok('{ products { name taskTypes { id name } } }');
    const wakeupTypeId = products.find((p: { name: string }) => p.name === 'Agent').taskTypes.find((t: { name: string }) => t.name === 'Wakeup').id;
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: wakeupTypeId, name: uniqueName('wakeup'), settings: {} },
    })).createClientTask.clientTask;
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.id, enabled: true } });
    const run = (await ok('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id } } }', { input: { clientTaskId: task.id, systemIds: [systemId] } }))
      .runClientTaskNow.run;
    const ended = await eventually(async () => {
      const { clientRun } = await ok('query ($id: ID!) { clientRun(id: $id) { counts { pending running failed } } }', { id: run.id });
      return clientRun.counts.pending + clientRun.counts.running === 0 ? clientRun : undefined;
    }, 120_000, 'the client run to end');
    expect(ended.counts.failed).toBe(1);
    expect((await systemMismatch(systemId)).hostKeyMismatch).toEqual({ pinned, seen: testEnvironment().sshdFingerprint, seenAt: expect.any(String) });
    // The credential record pins the right key for the same host: nothing to report there.
    expect((await recordMismatch(account.recordId)).hostKeyMismatch).toBeNull();
  });
});
