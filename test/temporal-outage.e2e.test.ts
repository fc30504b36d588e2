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

/** The policy events whose jobs an outage must not lose: the unlock queues its job, the request's workflow fires the others. */
const POLICY_EVENTS = ['AFTER_UNLOCK', 'AFTER_APPROVAL', 'AFTER_CHECK_IN'];
const RECORD_JOBS = 'query ($filter: JobFilterInput) { jobs(first: 50, filter: $filter) { edges { node { id workflowId triggerEvent } } } }';

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

  async function eventJobs(token: string, recordId: string, event: string): Promise<{ id: string; workflowId: string }[]> {
    const result = await stack!.graphql<any>(RECORD_JOBS, { filter: { recordId } }, token);
    return result.data.jobs.edges.map((edge: any) => edge.node).filter((job: { triggerEvent: string }) => job.triggerEvent === event);
  }

  async function signalsHeard(workflowId: string): Promise<string[]> {
    const history = await stack!.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
  }

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
    // The record's type also verifies the password after each of those events, within a minute of an unlock.
    const type = await s.graphql<any>('query ($id: ID!) { record(id: $id) { recordType { id } } }', { id: recordId }, admin);
    const added = await s.graphql<any>(
      'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }',
      { input: { recordTypeId: type.data.record.recordType.id, task: { name: 'Verify after events', script: 'VERIFY_PASSWORD', policyEvents: POLICY_EVENTS, minutesAfterUnlock: 1 } } },
      admin,
    );
    expect(added.errors).toBeUndefined();

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
    // The unlock committed its After Unlock job, not yet sent (the check-out's reveal kept that one); the approval and the check-in committed their signals.
    const [afterUnlock, ...laterUnlockJobs] = await eventJobs(admin, recordId, 'AFTER_UNLOCK');
    expect(laterUnlockJobs).toEqual([]);
    expect((await getJob(s, admin, afterUnlock!.id)).events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED']);
    const waiting = await s.orm.em.fork().execute<{ kind: string; workflow_id: string }[]>(`select "kind", "workflow_id" from "engine_outbox" where "delivered_at" is null`);
    expect(waiting.length).toBeGreaterThanOrEqual(4);
    expect(waiting).toEqual(
      expect.arrayContaining([
        { kind: 'START_JOB', workflow_id: afterUnlock!.workflowId },
        { kind: 'ACCESS_APPROVED', workflow_id: request.workflowId },
        { kind: 'ACCESS_CHECKED_IN', workflow_id: request.workflowId },
      ]),
    );

    await startTemporal();
    // The timer that was due during the outage fires; the queued start runs; the cancel lands.
    expect((await finishedJob(s, admin, sleeping.id, 120_000)).state).toBe('COMPLETED');
    expect((await finishedJob(s, admin, queued.id, 120_000)).state).toBe('COMPLETED');
    await eventually(async () => ((await s.client.workflow.getHandle(toCancel.workflowId).describe()).status.name === 'CANCELLED' ? true : undefined), 60_000, 'the cancel to reach Temporal', 1_000);
    expect((await getJob(s, admin, toCancel.id)).state).toBe('CANCELLED');
    // The access request's workflow started and heard of its approval and its check-in, once each.
    const signals = await eventually(async () => {
      const names = await signalsHeard(request.workflowId);
      return names.length >= 2 ? names : undefined;
    }, 60_000, 'the approval and check-in signals');
    expect(signals).toEqual(['accessApproved', 'accessCheckedIn']);
    // Each policy event's job runs: After Unlock a minute after the unlock, After Approval and After Check-In once the workflow heard its signals.
    const policyJobs: { id: string; workflowId: string }[] = [];
    for (const event of POLICY_EVENTS) {
      const job = await eventually(async () => (await eventJobs(admin, recordId, event))[0], 60_000, `the ${event} job`);
      expect((await finishedJob(s, admin, job.id, 120_000)).state).toBe('COMPLETED');
      policyJobs.push(job);
    }
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
    for (const event of POLICY_EVENTS) expect(await eventJobs(admin, recordId, event)).toHaveLength(1);
    // The request's workflow has ended, so its history is whole: each signal was heard once.
    expect((await s.client.workflow.getHandle(request.workflowId).describe()).status.name).toBe('COMPLETED');
    expect(await signalsHeard(request.workflowId)).toEqual(['accessApproved', 'accessCheckedIn']);
    for (const job of [sleeping, queued, running, waitingForLock, ...policyJobs]) {
      const done = await getJob(s, admin, job.id);
      expect(done.events.filter((event: { kind: string }) => event.kind === 'QUEUED')).toHaveLength(1);
      expect((await s.client.workflow.getHandle(job.workflowId).describe()).status.name).toBe('COMPLETED');
    }
    console.log(`outage: 2 timers, a running rotation and one waiting for its lock, ${waiting.length} queued commands, all delivered once; After Unlock, After Approval and After Check-In jobs ran once each; 2 host password changes, the vault's works; jobs agree with Temporal`);
  });
});
