import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, waitForPort } from '../scripts/temporal-dev-server';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { freePort } from './harness/ports';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { canLogin } from '../infra/ssh';
import { holdNextCommand, isHeld, passwordChanges, passwordDigest, release, tracePasswordChanges } from './harness/kill-points';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, scheduleRun, sshTarget, unlock } from './harness/vault-fixtures';

/**
 * R2: Temporal goes away with work in flight, and comes back. A Temporal server of this test's
 * own (persisted to a file, so a restart keeps its timers) and a database of its own.
 */
describe('a Temporal outage with work in flight', () => {
  const env = testEnvironment();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'steward-outage-'));
  let port: number;
  let temporal: ChildProcess | undefined;
  let databaseUrl: string;
  let stack: StewardStack | undefined;
  const records: RotatableRecord[] = [];

  const startTemporal = async () => {
    temporal = startDevServer({ executable: env.temporalCli, port, uiPort: 0, headless: true, dbFile: path.join(dataDir, 'temporal.db') });
    await waitForPort(port);
  };
  const stopTemporal = async () => {
    const exited = new Promise((resolve) => temporal!.once('exit', resolve));
    // SIGTERM: the dev server's SQLite store (synchronous=NORMAL) is not the durable store of a
    // real cluster, and a SIGKILL can drop its last writes. The outage is what this test is about.
    temporal!.kill('SIGTERM');
    await exited;
  };

  beforeAll(async () => {
    port = await freePort();
    await startTemporal();
    const url = new URL(env.databaseUrl);
    url.pathname = `/steward_outage_${process.pid}`;
    databaseUrl = url.toString();
    await createMigratedDatabase(databaseUrl);
    stack = await startStewardStack({ databaseUrl, temporalAddress: `127.0.0.1:${port}` });
  });

  afterAll(async () => {
    await stack?.stop();
    for (const record of records) await record.removeUser();
    temporal?.kill('SIGTERM');
    await dropDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Two restarts of a Temporal server and the jobs they delay take longer than the default test timeout.
  jest.setTimeout(300_000);

  it('keeps every timer, delivers every queued start, signal and cancel once, and Job History agrees with Temporal', async () => {
    const s = stack!;
    const admin = await s.signIn(ADMIN_ROLES);
    const approver = await s.signIn(ADMIN_ROLES);
    const record = await createRotatableRecord(s, admin, { script: 'VERIFY_PASSWORD' });
    const rotated = await createRotatableRecord(s, admin);
    records.push(record, rotated);
    const { recordId, taskId } = record;

    // In flight: two jobs sleeping on their timers, one of which will be cancelled during the outage.
    const sleeping = await scheduleRun(s, admin, recordId, taskId, new Date(Date.now() + 20_000));
    const toCancel = await scheduleRun(s, admin, recordId, taskId, new Date(Date.now() + 600_000));
    for (const job of [sleeping, toCancel]) expect((await getJob(s, admin, job.id)).events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED', 'QUEUED']);
    // Also in flight: a rotation whose passwd holds on the host, and a second job on the same account waiting for its lock.
    await tracePasswordChanges({ username: rotated.username, password: rotated.initialPassword }, 'passwd');
    holdNextCommand(rotated.username);
    const running = await runOnDemand(s, admin, rotated.recordId, rotated.taskId);
    await eventually(async () => (isHeld(rotated.username) ? true : undefined), 60_000, 'passwd to hold on the host');
    const waitingForLock = await runOnDemand(s, admin, rotated.recordId, rotated.taskId);
    await eventually(async () => ((await getJob(s, admin, waitingForLock.id)).events.some((event: { kind: string }) => event.kind === 'QUEUED') ? true : undefined), 30_000, 'the second job to be queued');
    expect((await getJob(s, admin, waitingForLock.id)).state).not.toBe('RUNNING');

    await stopTemporal();
    // The host finishes the change while the worker cannot tell Temporal.
    release(rotated.username);
    const during = Date.now();
    // Every mutation answers while Temporal is down; what it must tell the engine waits in the outbox.
    const queued = await runOnDemand(s, admin, recordId, taskId);
    const cancelled = await s.graphql<any>('mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }', { input: { jobId: toCancel.id } }, admin);
    expect(cancelled.data?.cancelJob.job.state).toBe('CANCELLED');
    expect(await unlock(s, admin, recordId)).toBe(record.initialPassword);
    const requested = await s.graphql<any>('mutation ($input: RequestAccessInput!) { requestAccess(input: $input) { request { id workflowId } } }', { input: { recordId, reason: 'outage' } }, admin);
    const request = requested.data!.requestAccess.request;
    const approved = await s.graphql<any>('mutation ($input: ApproveAccessInput!) { approveAccessRequest(input: $input) { request { state } } }', { input: { requestId: request.id, durationMinutes: 30 } }, approver);
    expect(approved.data?.approveAccessRequest.request.state).toBe('APPROVED');
    const checkedOut = await s.graphql<any>('mutation ($input: AccessRequestRefInput!) { checkOutRecord(input: $input) { request { state } } }', { input: { requestId: request.id } }, admin);
    expect(checkedOut.data?.checkOutRecord.request.state).toBe('CHECKED_OUT');
    const checkedIn = await s.graphql<any>('mutation ($input: AccessRequestRefInput!) { checkInRecord(input: $input) { request { state } } }', { input: { requestId: request.id } }, admin);
    expect(checkedIn.data?.checkInRecord.request.state).toBe('CHECKED_IN');
    const updated = await s.graphql<any>('mutation ($input: UpdateRecordInput!) { updateRecord(input: $input) { record { name } } }', { input: { recordId, version: 1, name: `${record.username}-renamed` } }, admin);
    expect(updated.errors).toBeUndefined();
    const created = await createRotatableRecord(s, admin);
    records.push(created);
    console.log(`eight mutations answered in ${Date.now() - during} ms with Temporal down`);
    const waiting = await s.orm.em.fork().execute<{ n: string }[]>(`select count(*) as "n" from "engine_outbox" where "delivered_at" is null`);
    expect(Number(waiting[0]!.n)).toBeGreaterThanOrEqual(4);

    await startTemporal();
    // The timer that was due during the outage fires; the queued start runs; the cancel lands.
    expect((await finishedJob(s, admin, sleeping.id, 120_000)).state).toBe('COMPLETED');
    expect((await finishedJob(s, admin, queued.id, 120_000)).state).toBe('COMPLETED');
    await eventually(async () => ((await s.client.workflow.getHandle(toCancel.workflowId).describe()).status.name === 'CANCELLED' ? true : undefined), 60_000, 'the cancel to reach Temporal', 1_000);
    expect((await getJob(s, admin, toCancel.id)).state).toBe('CANCELLED');
    // The access request's workflow started and heard of its approval and its check-in, once each.
    const signals = await eventually(async () => {
      const history = await s.client.workflow.getHandle(request.workflowId).fetchHistory();
      const names = (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
      return names.length >= 2 ? names : undefined;
    }, 60_000, 'the approval and check-in signals');
    expect(signals).toEqual(['accessApproved', 'accessCheckedIn']);
    // The running job and the one waiting for its lock both finish; each changed the host's password once.
    for (const job of [running, waitingForLock]) expect((await finishedJob(s, admin, job.id, 180_000)).state).toBe('COMPLETED');
    const changes = passwordChanges(rotated.username);
    expect(changes).toHaveLength(2);
    const vaulted = await unlock(s, admin, rotated.recordId);
    expect(changes[1]).toBe(passwordDigest(vaulted));
    expect(await canLogin(sshTarget(rotated.username, vaulted))).toBe(true);

    // Each command went exactly once, and nothing is left.
    const outbox = await s.orm.em.fork().execute<{ kind: string; workflow_id: string }[]>(`select "kind", "workflow_id" from "engine_outbox" where "delivered_at" is null`);
    expect(outbox).toEqual([]);
    for (const job of [sleeping, queued, running, waitingForLock]) {
      const done = await getJob(s, admin, job.id);
      expect(done.events.filter((event: { kind: string }) => event.kind === 'QUEUED')).toHaveLength(1);
      expect((await s.client.workflow.getHandle(job.workflowId).describe()).status.name).toBe('COMPLETED');
    }
    console.log(`outage: 2 timers, a running rotation and one waiting for its lock, ${waiting[0]!.n} queued commands, all delivered once; 2 host password changes, the vault's works; jobs agree with Temporal`);
  });
});
