import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Payload } from '@temporalio/common';
import { canLogin } from '../infra/ssh';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, JOB_FIELDS, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';

describe('an On Demand password rotation, end to end', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token);
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
  });

  it('changes the password on the real host, verifies it, and keeps the old one in history', async () => {
    const executable = await stack.graphql<{ record: { executableTasks: { id: string; name: string }[] } }>(
      `query ($id: ID!) { record(id: $id) { executableTasks { id name } } }`,
      { id: record.recordId },
      token,
    );
    expect(executable.data?.record.executableTasks.map((task) => task.id)).toEqual([record.taskId]);

    const queued = await runOnDemand(stack, token, record.recordId, record.taskId);
    expect(queued.state).toBe('SCHEDULED');
    expect(queued.workflowId).toBe(`job-${queued.id}`);

    const job = await eventually(async () => {
      const result = await stack.graphql<{ job: any }>(`query ($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id: queued.id }, token);
      return ['COMPLETED', 'ERROR', 'CANCELLED'].includes(result.data?.job.state) ? result.data!.job : undefined;
    }, 90_000, 'the job to finish');

    expect(job).toMatchObject({ state: 'COMPLETED', type: 'ON_DEMAND', nodeName: 'local', result: 'Completed' });
    expect(job.details.exitCode).toBe(0);
    expect(job.events.map((event: { kind: string }) => event.kind)).toEqual([
      'SCHEDULED',
      'QUEUED',
      'STARTED',
      'STEP',
      'STEP',
      'STEP',
      'STEP',
      'COMPLETED',
    ]);
    const times = [job.scheduledFor, job.startedAt, job.finishedAt].map((time: string) => Date.parse(time));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const newPassword = await unlock(stack, token, record.recordId);
    expect(newPassword).not.toBe(record.initialPassword);
    expect(job.details.output).not.toContain(newPassword);
    expect(job.details.output).not.toContain(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, newPassword))).resolves.toBe(true);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(false);

    const history = await stack.orm.em.fork().getConnection().execute(
      'select encrypted_password from password_history where record_id = ?',
      [record.recordId],
    );
    expect(history).toHaveLength(1);
    expect(JSON.stringify(history)).not.toContain(record.initialPassword);

    // Job History lists it globally and per record, newest first.
    const lists = await stack.graphql<{ jobs: { edges: { node: { id: string } }[] }; record: { jobs: { totalCount: number } } }>(
      `query ($id: ID!) { jobs(first: 5, filter: { states: [COMPLETED] }) { edges { node { id } } } record(id: $id) { jobs { totalCount } } }`,
      { id: record.recordId },
      token,
    );
    expect(lists.data?.jobs.edges.map((edge) => edge.node.id)).toContain(queued.id);
    expect(lists.data?.record.jobs.totalCount).toBe(1);
  });

  it('is a Temporal workflow operators can find by search attributes, with no secret anywhere in its history', async () => {
    const jobs = await stack.graphql<{ jobs: { edges: { node: { id: string; workflowId: string } }[] } }>(
      `query ($recordId: ID!) { jobs(filter: { recordId: $recordId }) { edges { node { id workflowId } } } }`,
      { recordId: record.recordId },
      token,
    );
    const workflowId = jobs.data!.jobs.edges[0]!.node.workflowId;
    const handle = stack.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(await description.staticSummary()).toContain('Rotate password');
    const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map(({ key, value }) => [key.name, value]));
    expect(attributes).toMatchObject({
      StewardRecordId: record.recordId,
      StewardTaskId: record.taskId,
      StewardJobType: 'ON_DEMAND',
      StewardJobState: 'COMPLETED',
      StewardNodeName: 'local',
    });

    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const execution of stack.client.workflow.list({ query: `StewardRecordId = "${record.recordId}" AND StewardJobState = "COMPLETED"` })) {
        ids.push(execution.workflowId);
      }
      return ids.length > 0 ? ids : undefined;
    }, 30_000, 'the visibility store to list the job');
    expect(found).toEqual([workflowId]);

    const newPassword = await unlock(stack, token, record.recordId);
    // The history exactly as an operator sees it with the real CLI (payloads as stored), then decoded.
    const rawHistory = showHistoryWithCli(workflowId);
    const codec = new EncryptionCodec(stack.masterKey);
    const decoded: string[] = [];
    for (const payloads of collectPayloads(JSON.parse(rawHistory))) {
      for (const payload of await codec.decode(payloads.map(payloadFromJson))) decoded.push(Buffer.from(payload.data ?? []).toString('utf8'));
    }
    expect(decoded.length).toBeGreaterThan(0);
    for (const secret of [record.initialPassword, newPassword]) {
      expect(rawHistory).not.toContain(secret);
      expect(decoded.join('\n')).not.toContain(secret);
    }
    expect(decoded.join('\n')).toContain(jobs.data!.jobs.edges[0]!.node.id);

    // RECORD_HISTORIES=<name> keeps this history for the replay test as test/histories/vault-task-job-<name>.json.
    if (process.env.RECORD_HISTORIES) {
      writeFileSync(path.join(__dirname, 'histories', `vault-task-job-${process.env.RECORD_HISTORIES}.json`), rawHistory);
    }
  });
});

function showHistoryWithCli(workflowId: string): string {
  const env = testEnvironment();
  return execFileSync(env.temporalCli, ['workflow', 'show', '--workflow-id', workflowId, '--address', env.temporalAddress, '--namespace', env.temporalNamespace, '--output', 'json'], {
    encoding: 'utf8',
  });
}

function payloadFromJson(payload: { metadata?: Record<string, string>; data?: string }): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: payload.data ? Buffer.from(payload.data, 'base64') : undefined,
  };
}

/** Every `payloads` list anywhere in a history (inputs, results, failures, search attributes aside). */
function collectPayloads(node: unknown, found: any[][] = []): any[][] {
  if (!node || typeof node !== 'object') return found;
  if (Array.isArray(node)) {
    node.forEach((child) => collectPayloads(child, found));
    return found;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'payloads' && Array.isArray(value)) found.push(value);
    else if (key !== 'searchAttributes') collectPayloads(value, found);
  }
  return found;
}
