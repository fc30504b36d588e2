import { canLogin } from '../infra/ssh';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import {
  createRotatableRecord,
  finishedJob,
  getJob,
  type RotatableRecord,
  runOnDemand,
  scheduleRun,
  sshTarget,
  unlock,
} from './harness/vault-fixtures';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

interface NodeRow {
  name: string;
  lastSeenAt: string | null;
  online: boolean;
}

async function registerNode(stack: StewardStack, token: string, name: string): Promise<void> {
  const result = await stack.graphql<{ registerNode: { node: { name: string } } }>(
    'mutation ($input: RegisterNodeInput!) { registerNode(input: $input) { node { name } } }',
    { input: { name, description: 'a remote worker node of the remote-node test' } },
    token,
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  expect(result.data.registerNode.node.name).toBe(name);
}

async function nodes(stack: StewardStack, token: string): Promise<NodeRow[]> {
  const result = await stack.graphql<{ workerNodes: NodeRow[] }>('{ workerNodes { name lastSeenAt online } }', {}, token);
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.workerNodes;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Checks, for `ms`, that the job stays Scheduled and never starts. */
async function staysScheduled(stack: StewardStack, token: string, jobId: string, ms: number): Promise<any> {
  const until = Date.now() + ms;
  let job: any;
  do {
    job = await getJob(stack, token, jobId);
    expect(job.state).toBe('SCHEDULED');
    expect(job.startedAt).toBeNull();
    expect(job.events.map((event: { kind: string }) => event.kind)).not.toContain('STARTED');
    await sleep(500);
  } while (Date.now() < until);
  return job;
}

/**
 * Two workers: the local one in this process (startStewardStack) and a remote node's worker as
 * its own process (scripts/worker.ts). The node is named `edge-<random>` so no other test file
 * of the same run can serve it.
 */
describe('remote worker nodes', () => {
  let stack: StewardStack;
  let token: string;
  let edgeWorker: WorkerProcess | undefined;
  const edge = uniqueName('edge');
  const records: RotatableRecord[] = [];

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    await edgeWorker?.stop();
    for (const record of records) await record.removeUser();
    await stack?.stop();
  });

  it('refuses to start a worker for a node that is not registered, saying how to register it', async () => {
    const ghost = uniqueName('ghost');
    const started = Date.now();
    const attempt = startWorkerProcess({ nodeName: ghost });
    await expect(attempt).rejects.toThrow(`exited before serving its task queue`);
    // The worker logs JSON lines, so the quotes around the node's name arrive escaped.
    await expect(attempt).rejects.toThrow(`node \\"${ghost}\\" is not registered`);
    await expect(attempt).rejects.toThrow('registerNode');
    console.log(`a worker for the unregistered node ${ghost} refused to start after ${Date.now() - started} ms`);
    expect((await nodes(stack, token)).map((node) => node.name)).not.toContain(ghost);
  });

  it('runs a task bound to the remote node only on a worker of that node', async () => {
    await registerNode(stack, token, edge);
    const registered = (await nodes(stack, token)).find((node) => node.name === edge);
    expect(registered).toMatchObject({ name: edge, lastSeenAt: null, online: false });

    const record = await createRotatableRecord(stack, token, { executionNode: edge });
    records.push(record);
    const queued = await runOnDemand(stack, token, record.recordId, record.taskId);
    expect(queued.state).toBe('SCHEDULED');

    // Only the local worker runs: the job's workflow, on the central queue, waits for a worker of
    // steward.<edge> to take its first step there, and nobody does.
    const waiting = await staysScheduled(stack, token, queued.id, 6_000);
    expect(waiting.nodeName).toBe(edge);
    expect(waiting.events.find((event: { kind: string }) => event.kind === 'QUEUED')?.message).toBe('Sent to task queue steward.local');
    const handle = stack.client.workflow.getHandle(queued.workflowId);
    const description = await handle.describe();
    expect(description.taskQueue).toBe('steward.local');
    expect(description.status.name).toBe('RUNNING');
    const pending = description.raw.pendingActivities ?? [];
    expect(pending.map((activity) => activity.activityType?.name)).toEqual(['awaitNode']);

    const startedAt = Date.now();
    edgeWorker = await startWorkerProcess({ nodeName: edge });
    console.log(`the worker process for node ${edge} served its task queue after ${Date.now() - startedAt} ms`);

    const job = await finishedJob(stack, token, queued.id);
    console.log(`the On Demand job completed ${Date.now() - startedAt} ms after its node's worker was started`);
    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: edge, result: 'Completed' });
    expect(job.events.find((event: { kind: string }) => event.kind === 'STARTED')?.message).toBe(`Started on node ${edge}`);
    const password = await unlock(stack, token, record.recordId);
    expect(password).not.toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);

    const reported = (await nodes(stack, token)).find((node) => node.name === edge);
    expect(reported?.online).toBe(true);
    expect(reported?.lastSeenAt).not.toBeNull();
    expect(Date.parse(reported!.lastSeenAt!)).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(Date.parse(reported!.lastSeenAt!)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses Run for a Scheduled job of the remote node, and executes nothing', async () => {
    expect(edgeWorker).toBeDefined(); // the node's worker runs: a Run that got through would execute
    const record = await createRotatableRecord(stack, token, { executionNode: edge });
    records.push(record);
    // Due within the dispatcher's lead, so its workflow starts at once and waits on its timer.
    const scheduled = await scheduleRun(stack, token, record.recordId, record.taskId, new Date(Date.now() + 10 * 60_000));
    expect(scheduled.state).toBe('SCHEDULED');

    const refused = await stack.graphql(
      'mutation ($input: JobActionInput!) { runJob(input: $input) { job { id state } } }',
      { input: { jobId: scheduled.id } },
      token,
    );
    expect(refused.data).toBeNull();
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.message).toContain(`remote node "${edge}"`);
    console.log(`runJob on a job of a remote node was refused: ${refused.errors![0]!.message}`);

    const job = await staysScheduled(stack, token, scheduled.id, 5_000);
    expect(job.type).toBe('SCHEDULED');
    expect(job.events.map((event: { kind: string }) => event.kind)).toEqual(['SCHEDULED', 'QUEUED']);
    expect(await unlock(stack, token, record.recordId)).toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(true);

    const handle = stack.client.workflow.getHandle(scheduled.workflowId);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map(({ key, value }) => [key.name, value]));
    expect(attributes).toMatchObject({
      StewardNodeName: edge,
      StewardRecordId: record.recordId,
      StewardTaskId: record.taskId,
      StewardJobType: 'SCHEDULED',
      StewardJobState: 'SCHEDULED',
    });
    // No runNow signal reached the workflow.
    const history = await handle.fetchHistory();
    expect(history.events?.some((event) => event.workflowExecutionSignaledEventAttributes)).toBe(false);

    // Cancel is allowed for it, and the node's worker records it.
    const cancelled = await stack.graphql<{ cancelJob: { job: { state: string } } }>(
      'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { state } } }',
      { input: { jobId: scheduled.id } },
      token,
    );
    expect(cancelled.data?.cancelJob.job.state).toBe('CANCELLED');
    await eventually(async () => ((await handle.describe()).status.name === 'CANCELLED' ? true : undefined), 30_000, 'the workflow to be cancelled');
  });
});
