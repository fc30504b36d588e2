import { execFileSync } from 'node:child_process';
import { AccessRequest, AccessRequestState, Job, JobState, JobType } from '../db/entities';
import { canLogin } from '../infra/ssh';
import { createServices } from '../services';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { generatePassword } from '../services/vault/password-policy';
import { temporalPorts } from '../temporal/ports';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { freePort } from './harness/ports';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, failedLoginsSince, type RotatableRecord, sshdLogOffset, sshTarget } from './harness/vault-fixtures';

const REVEAL = 'mutation ($input: UnlockRecordInput!) { unlockRecord(input: $input) { password unsettledRotation } }';

interface SettleState {
  encrypted_pending_password: string | null;
  pending_settle_attempts: number;
  /** When the next try is due, in ms since the epoch. */
  dueAt: number | null;
}

/**
 * Rotations that changed the host but could not settle (the host was unreachable then) leave a
 * pending password. This file has a database of its own, so its sweeps see only its records, and
 * no worker: it runs the sweeper itself, as the reconciliation workflow's activity does.
 */
describe('pending passwords a rotation left behind', () => {
  let databaseUrl: string;
  let stack: StewardStack;
  let token: string;
  const records: RotatableRecord[] = [];

  beforeAll(async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_settle_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ databaseUrl, worker: false });
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    await stack?.stop();
    for (const record of records) await record.removeUser();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  const services = () => createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));

  async function rotatableRecord(overrides: { hostKeyFingerprint?: string } = {}): Promise<RotatableRecord> {
    const record = await createRotatableRecord(stack, token, overrides);
    records.push(record);
    return record;
  }

  /** What a rotation leaves when it stops after storing a new password: on the host too, if `hostTookIt`. */
  async function leaveUnsettled(record: RotatableRecord, options: { hostTookIt: boolean; node?: string }): Promise<string> {
    const pending = generatePassword();
    await stack.orm.em.fork().execute(
      `update records set encrypted_pending_password = ?, pending_password_since = now() - interval '1 hour', pending_node_name = ?, pending_accepted_at = ${options.hostTookIt ? 'now()' : 'null'} where id = ?`,
      [new VaultSecrets(stack.masterKey).seal(record.recordId, pending), options.node ?? 'local', record.recordId],
    );
    if (options.hostTookIt) execFileSync('chpasswd', { input: `${record.username}:${pending}\n` });
    return pending;
  }

  async function settleState(record: RotatableRecord): Promise<SettleState> {
    const [row] = await stack.orm.em.fork().execute<(Omit<SettleState, 'dueAt'> & { pending_settle_due_at: string | null })[]>(
      'select encrypted_pending_password, pending_settle_attempts, pending_settle_due_at from records where id = ?',
      [record.recordId],
    );
    const { pending_settle_due_at: dueAt, ...rest } = row!;
    return { ...rest, dueAt: dueAt === null ? null : Date.parse(dueAt) };
  }

  async function reveal(record: RotatableRecord): Promise<{ password: string; unsettledRotation: boolean }> {
    const result = await stack.graphql<{ unlockRecord: { password: string; unsettledRotation: boolean } }>(REVEAL, { input: { recordId: record.recordId, reason: 'test' } }, token);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data.unlockRecord;
  }

  it('unlock and check-out hand out the password the host took, and say the rotation is unsettled', async () => {
    const record = await rotatableRecord();
    const pending = await leaveUnsettled(record, { hostTookIt: true });

    expect(await reveal(record)).toEqual({ password: pending, unsettledRotation: true });

    // An approved request of this admin's, written directly: its workflow has no part in a check-out.
    const me = await stack.graphql<{ me: { id: string } }>('{ me { id } }', {}, token);
    const em = stack.orm.em.fork();
    const request = em.create(AccessRequest, {
      record: record.recordId,
      requester: me.data!.me.id,
      reason: 'settle test',
      state: AccessRequestState.APPROVED,
      expiresAt: new Date(Date.now() + 60 * 60_000),
      workflowId: '',
    });
    request.workflowId = `access-request-${request.id}`;
    await em.flush();
    const checkedOut = await stack.graphql<{ checkOutRecord: { password: string; unsettledRotation: boolean } }>(
      'mutation ($input: AccessRequestRefInput!) { checkOutRecord(input: $input) { password unsettledRotation } }',
      { input: { requestId: request.id } },
      token,
    );
    expect(checkedOut.data?.checkOutRecord).toEqual({ password: pending, unsettledRotation: true });
  });

  it('settles each record with the password the host accepts, trying the likelier one first', async () => {
    const taken = await rotatableRecord();
    const notTaken = await rotatableRecord();
    const newPassword = await leaveUnsettled(taken, { hostTookIt: true });
    await leaveUnsettled(notTaken, { hostTookIt: false });
    // The first test's record is due too.
    const since = sshdLogOffset();

    expect(await services().pendingSettler.nodesWithDueRecords()).toEqual(['local']);
    expect(await services().pendingSettler.settleDue('local')).toBe(3);

    expect(await reveal(taken)).toEqual({ password: newPassword, unsettledRotation: false });
    await expect(canLogin(sshTarget(taken.username, newPassword))).resolves.toBe(true);
    expect(await reveal(notTaken)).toEqual({ password: notTaken.initialPassword, unsettledRotation: false });
    expect(await settleState(taken)).toEqual({ encrypted_pending_password: null, pending_settle_attempts: 0, dueAt: null });
    expect(failedLoginsSince(taken.username, since) + failedLoginsSince(notTaken.username, since)).toBe(0);
    expect(await services().pendingSettler.nodesWithDueRecords()).toEqual([]);
  });

  it('backs off a host it cannot reach, and a host with another key for a day', async () => {
    const unreachable = await rotatableRecord();
    await stack.orm.em.fork().execute('update records set port = ? where id = ?', [await freePort(), unreachable.recordId]);
    const wrongKey = await rotatableRecord({ hostKeyFingerprint: `SHA256:${Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '')}` });
    await leaveUnsettled(unreachable, { hostTookIt: false });
    await leaveUnsettled(wrongKey, { hostTookIt: false });

    const triedAt = Date.now();
    expect(await services().pendingSettler.settleDue('local')).toBe(0);

    const backedOff = await settleState(unreachable);
    expect(backedOff.encrypted_pending_password).not.toBeNull();
    expect(backedOff.pending_settle_attempts).toBe(1);
    expect(backedOff.dueAt! - triedAt).toBeGreaterThan(50_000);
    expect(backedOff.dueAt! - triedAt).toBeLessThan(5 * 60_000);
    const permanent = await settleState(wrongKey);
    expect(permanent.pending_settle_attempts).toBe(1);
    expect(permanent.dueAt! - triedAt).toBeGreaterThan(23 * 60 * 60_000);

    // Not due yet: a second pass leaves both alone.
    expect(await services().pendingSettler.settleDue('local')).toBe(0);
    expect((await settleState(unreachable)).pending_settle_attempts).toBe(1);
    expect((await settleState(wrongKey)).pending_settle_attempts).toBe(1);
  });

  it('leaves a record alone while a job runs on it, and each node settles only its own records', async () => {
    const running = await rotatableRecord();
    const onEdge = await rotatableRecord();
    await leaveUnsettled(running, { hostTookIt: false });
    await leaveUnsettled(onEdge, { hostTookIt: false, node: 'edge-settle' });
    const em = stack.orm.em.fork();
    const job = em.create(Job, { record: running.recordId, task: running.taskId, taskName: 'Rotate password', type: JobType.ON_DEMAND, nodeName: 'local', workflowId: '', state: JobState.RUNNING });
    job.workflowId = `job-${job.id}`;
    await em.flush();

    expect(await services().pendingSettler.nodesWithDueRecords()).toEqual(['edge-settle']);
    expect(await services().pendingSettler.settleDue('local')).toBe(0);
    expect(await settleState(running)).toMatchObject({ pending_settle_attempts: 0, dueAt: null });
    expect((await settleState(onEdge)).encrypted_pending_password).not.toBeNull();

    expect(await services().pendingSettler.settleDue('edge-settle')).toBe(1);
    expect((await settleState(onEdge)).encrypted_pending_password).toBeNull();
  });
});
