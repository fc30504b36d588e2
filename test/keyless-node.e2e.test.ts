import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Payload } from '@temporalio/common';
import { canLogin } from '../infra/ssh';
import { deriveNodeKey } from '../lib/node-keys';
import { NodeRoutingCodec } from '../temporal/node-codec';
import { NODE_METADATA_KEY } from '../temporal/payload-converter';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';
import { testEnvironment } from './harness/test-env';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The names of the variables a running process was started with, from /proc. */
function environmentNames(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(0, entry.indexOf('=')));
}

/**
 * A remote node's worker as its own process without DATABASE_URL and STEWARD_MASTER_KEY, only its
 * node key: the job's workflow runs on the central worker of this process, and the node's worker
 * carries out the host steps with credentials sealed for it alone.
 */
describe('a keyless remote node', () => {
  let stack: StewardStack;
  let token: string;
  let nodeWorker: WorkerProcess | undefined;
  const node = uniqueName('keyless');
  const records: RotatableRecord[] = [];

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    const registered = await stack.graphql('mutation ($input: RegisterNodeInput!) { registerNode(input: $input) { node { name } } }', { input: { name: node } }, token);
    expect(registered.errors).toBeUndefined();
  });

  afterAll(async () => {
    await nodeWorker?.stop();
    for (const record of records) await record.removeUser();
    await stack?.stop();
  });

  it('rotates a password on a host of the node, the node holding neither the database nor the master key', async () => {
    const record = await createRotatableRecord(stack, token, { executionNode: node });
    records.push(record);
    const queued = await runOnDemand(stack, token, record.recordId, record.taskId);

    // While the node is away the job waits, still Scheduled, on the central queue.
    await sleep(4_000);
    const waiting = await getJob(stack, token, queued.id);
    expect(waiting).toMatchObject({ state: 'SCHEDULED', nodeName: node, startedAt: null });
    expect((await stack.client.workflow.getHandle(queued.workflowId).describe()).taskQueue).toBe('steward.local');

    const startedAt = Date.now();
    nodeWorker = await startWorkerProcess({
      nodeName: node,
      withoutEnv: ['DATABASE_URL', 'STEWARD_MASTER_KEY', 'STEWARD_PREVIOUS_MASTER_KEYS'],
      extraEnv: { STEWARD_NODE_KEY: deriveNodeKey(stack.masterKey, node).toString('base64') },
    });
    console.log(`the keyless worker of node ${node} served its task queue after ${Date.now() - startedAt} ms`);
    const environment = environmentNames(nodeWorker.child.pid!);
    expect(environment).toContain('STEWARD_NODE_KEY');
    expect(environment).not.toContain('DATABASE_URL');
    expect(environment).not.toContain('STEWARD_MASTER_KEY');
    expect(nodeWorker.logs()).toContain('keyless: host steps only');

    const job = await finishedJob(stack, token, queued.id);
    console.log(`the rotation completed ${Date.now() - startedAt} ms after the keyless worker was started`);
    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: node, result: 'Completed' });
    expect(job.events.find((event: { kind: string }) => event.kind === 'STARTED')?.message).toBe(`Started on node ${node}`);
    const password = await unlock(stack, token, record.recordId);
    expect(password).not.toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(false);

    // Every activity sent to the node's queue was sealed for it; its host steps got what they needed there.
    // As Temporal stores it (fetchHistory would decode it with the master key).
    const { history } = await stack.client.workflowService.getWorkflowExecutionHistory({
      namespace: stack.client.options.namespace,
      execution: { workflowId: queued.workflowId },
    });
    const onNode = (history?.events ?? [])
      .map((event) => event.activityTaskScheduledEventAttributes)
      .filter((scheduled) => scheduled?.taskQueue?.name === `steward.${node}`);
    expect(onNode.map((scheduled) => scheduled!.activityType?.name)).toEqual(['awaitNode', 'changePasswordOnNode', 'loginOnNode']);
    const inputs = onNode.flatMap((scheduled) => (scheduled!.input?.payloads ?? []) as Payload[]);
    for (const input of inputs) {
      expect(Buffer.from(input.metadata![NODE_METADATA_KEY]!).toString('utf8')).toBe(node);
      expect(Buffer.from(input.metadata!.encoding!).toString('utf8')).toBe('binary/encrypted');
    }
    const nodeItself = new NodeRoutingCodec({ nodeName: node, nodeKey: deriveNodeKey(stack.masterKey, node) });
    expect(await nodeItself.decode(inputs)).toHaveLength(3);
    const otherNode = new NodeRoutingCodec({ nodeName: 'another-node', nodeKey: deriveNodeKey(stack.masterKey, 'another-node') });
    await expect(otherNode.decode(inputs)).rejects.toThrow(`sealed for node "${node}"`);
    const forgedKey = new NodeRoutingCodec({ nodeName: node, nodeKey: deriveNodeKey(randomBytes(32), node) });
    await expect(forgedKey.decode(inputs)).rejects.toThrow();
  });

  it('fails a rotation whose host presents another key than the pinned one, and notes what the node saw on the record', async () => {
    expect(nodeWorker).toBeDefined();
    const pinned = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    const record = await createRotatableRecord(stack, token, { executionNode: node, hostKeyFingerprint: pinned });
    records.push(record);
    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(job.state).toBe('ERROR');
    expect(job.result).toContain(`but the record trusts ${pinned}; refusing to connect`);
    const seen = await stack.graphql<any>('query ($id: ID!) { record(id: $id) { hostKeyMismatch { pinned seen } } }', { id: record.recordId }, token);
    expect(seen.data.record.hostKeyMismatch).toEqual({ pinned, seen: testEnvironment().sshdFingerprint });
    expect(await unlock(stack, token, record.recordId)).toBe(record.initialPassword);
  });
});
