import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { deriveNodeKey } from '../lib/node-keys';
import { checkInProductTypes, enabledClientTask, runClientTaskNow, taskTypeId } from './harness/client-task-fixtures';
import { createManagedEndpoint, type ManagedEndpoint, processIsGone } from './harness/endpoint-fixtures';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { finishedJob, getJob } from './harness/vault-fixtures';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

const GRPC_NOT_FOUND = 5;
const KEYLESS = ['DATABASE_URL', 'STEWARD_MASTER_KEY', 'STEWARD_PREVIOUS_MASTER_KEYS'];

/**
 * Faults around a keyless remote node's client task jobs (the node's worker a process of its own
 * with only STEWARD_NODE_KEY, as in keyless-node.e2e): a job whose node is away waits Scheduled
 * until a worker of the node comes, and a worker killed while the task runs on the host is
 * replaced by another, on which the task is run again and the job completes.
 */
describe('a keyless remote node, faults', () => {
  let stack: StewardStack;
  let token: string;
  const workers: WorkerProcess[] = [];
  const endpoints: ManagedEndpoint[] = [];

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await stack.graphql<any>(query, variables, token);
    expect(response.errors).toBeUndefined();
    return response.data;
  };

  async function registerNode(prefix: string): Promise<string> {
    const name = uniqueName(prefix);
    await ok('mutation ($input: RegisterNodeInput!) { registerNode(input: $input) { node { name } } }', { input: { name } });
    return name;
  }

  /** A keyless worker of the node, as its own process: no database, no master key, the node's key only. */
  async function startKeylessWorker(node: string): Promise<WorkerProcess> {
    const worker = await startWorkerProcess({
      nodeName: node,
      withoutEnv: KEYLESS,
      extraEnv: { STEWARD_NODE_KEY: deriveNodeKey(stack.masterKey, node).toString('base64') },
    });
    workers.push(worker);
    expect(worker.logs()).toContain('keyless: host steps only');
    return worker;
  }

  /** Enables a new client task of the task type and runs it now on the system; returns its one job. */
  const runNow = async (typeId: string, systemId: string) => runClientTaskNow(stack, token, await enabledClientTask(stack, token, typeId), systemId);

  /** The job's workflow history as Temporal stores it (fetchHistory would decode it with the master key); empty while the workflow is not started yet. */
  async function rawHistory(workflowId: string) {
    try {
      const { history } = await stack.client.workflowService.getWorkflowExecutionHistory({ namespace: stack.client.options.namespace, execution: { workflowId } });
      return history?.events ?? [];
    } catch (error) {
      if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return [];
      throw error;
    }
  }

  /** The activities the workflow scheduled on a task queue, with their scheduled event's id. */
  async function activitiesOnQueue(workflowId: string, taskQueue: string) {
    return (await rawHistory(workflowId)).flatMap((event) => {
      const scheduled = event.activityTaskScheduledEventAttributes;
      return scheduled?.taskQueue?.name === taskQueue ? [{ eventId: Number(event.eventId), name: scheduled.activityType?.name }] : [];
    });
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    for (const endpoint of endpoints) await endpoint.remove();
    await stack?.stop();
  });

  it('keeps a client task job Scheduled while no worker of its node runs, and completes it once a keyless worker comes', async () => {
    const node = await registerNode('away');
    const endpoint = await createManagedEndpoint(stack, token, { executionNode: node });
    endpoints.push(endpoint);
    const queued = await runNow(await taskTypeId(stack, token, 'Agent', 'Wakeup'), endpoint.systemId);

    // The job's workflow, on the central queue, has asked for a worker of the node; nobody answers.
    await eventually(async () => ((await activitiesOnQueue(queued.workflowId, `steward.${node}`)).some((activity) => activity.name === 'awaitNode') ? true : undefined), 60_000, 'awaitNode on the node\'s queue');
    const description = await stack.client.workflow.getHandle(queued.workflowId).describe();
    expect(description.taskQueue).toBe('steward.local');
    expect(description.status.name).toBe('RUNNING');
    expect((description.raw.pendingActivities ?? []).map((activity) => [activity.activityType?.name, activity.state])).toEqual([
      ['awaitNode', temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED],
    ]);
    // Job History shows, while it waits, the node it waits for.
    expect(await getJob(stack, token, queued.id)).toMatchObject({ state: 'SCHEDULED', startedAt: null, nodeName: node });
    const { jobs } = await ok('query ($filter: JobFilterInput) { jobs(filter: $filter, first: 5) { edges { node { id } } } }', { filter: { nodeName: node } });
    expect(jobs.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([queued.id]);

    const startedAt = Date.now();
    await startKeylessWorker(node);
    const job = await finishedJob(stack, token, queued.id);
    console.log(`the job waiting for node ${node} completed ${Date.now() - startedAt} ms after its keyless worker was started`);
    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: node });
    expect(job.events.find((event: { kind: string }) => event.kind === 'STARTED')?.message).toBe(`Started on node ${node}`);
    const { system } = await ok('query ($id: ID!) { system(id: $id) { executionNode lastContactAt properties { hostname osFamily } } }', { id: endpoint.systemId });
    expect(system).toMatchObject({ executionNode: node, properties: { hostname: hostname(), osFamily: 'linux' } });
    expect(Date.parse(system.lastContactAt)).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect((await activitiesOnQueue(queued.workflowId, `steward.${node}`)).map((activity) => activity.name)).toEqual(['awaitNode', 'runClientTaskOnNode']);
  }, 180_000);

  it('runs a client task again on another keyless worker of the node when the one running it is killed, stopping what the first left on the host', async () => {
    const node = await registerNode('killed');
    const endpoint = await createManagedEndpoint(stack, token, { executionNode: node });
    endpoints.push(endpoint);
    // Each run leaves a line in the account's home. The first then sleeps far past the test, its
    // shell's pid noted: nobody is left to stop it when its worker dies, unless the retry does.
    const runs = path.join(endpoint.home, '.steward-fault-runs');
    const firstRun = path.join(endpoint.home, '.steward-first-run');
    const runsOnHost = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);
    const manifest = {
      name: uniqueName('Slow Tools'),
      version: '1.0.0',
      taskTypes: [
        {
          name: 'Slow',
          settingsSchema: { type: 'object', properties: {}, additionalProperties: false },
          command: [
            'echo run >> "$HOME/.steward-fault-runs"',
            'if [ "$(wc -l < "$HOME/.steward-fault-runs")" -eq 1 ]; then echo $$ > "$HOME/.steward-first-run"; sleep 600; fi',
            'echo "STEWARD-REPORT {\\"summary\\":\\"slept\\"}"',
          ].join('\n'),
        },
      ],
    };
    const [slowType] = await checkInProductTypes(stack, token, manifest);

    const first = await startKeylessWorker(node);
    const queued = await runNow(slowType!, endpoint.systemId);

    // The task runs on the host, through the first worker.
    await eventually(async () => (existsSync(firstRun) && readFileSync(firstRun, 'utf8').trim() ? true : undefined), 60_000, 'the task to start on the host');
    const firstPid = Number(readFileSync(firstRun, 'utf8').trim());
    expect(await getJob(stack, token, queued.id)).toMatchObject({ state: 'RUNNING', nodeName: node });
    const handle = stack.client.workflow.getHandle(queued.workflowId);
    const running = (await handle.describe()).raw.pendingActivities ?? [];
    expect(running.map((activity) => [activity.activityType?.name, activity.state, activity.attempt])).toEqual([
      ['runClientTaskOnNode', temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 1],
    ]);

    await first.stop('SIGKILL');
    const killedAt = Date.now();
    const second = await startKeylessWorker(node);
    console.log(`the second keyless worker of node ${node} served its task queue ${Date.now() - killedAt} ms after the kill`);

    const job = await finishedJob(stack, token, queued.id, 150_000);
    console.log(`the client task job completed ${Date.now() - killedAt} ms after its keyless worker was killed mid-task`);
    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: node, result: 'slept' });

    // Temporal timed out the killed worker's try on its heartbeat and gave a retry to the second worker.
    const history = await rawHistory(queued.workflowId);
    const onNode = await activitiesOnQueue(queued.workflowId, `steward.${node}`);
    expect(onNode.map((activity) => activity.name)).toEqual(['awaitNode', 'runClientTaskOnNode']);
    const started = history.find((event) => Number(event.activityTaskStartedEventAttributes?.scheduledEventId) === onNode[1]!.eventId)?.activityTaskStartedEventAttributes;
    expect(started).toBeDefined();
    expect(started!.attempt).toBeGreaterThanOrEqual(2);
    expect(started!.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    expect(started!.identity).toMatch(new RegExp(`^${second.child.pid}@`));
    expect(history.some((event) => event.activityTaskCompletedEventAttributes && Number(event.activityTaskCompletedEventAttributes.scheduledEventId) === onNode[1]!.eventId)).toBe(true);
    // Each try ran the task on the host, and the retry stopped what the killed worker's try left there.
    expect(runsOnHost()).toBe(started!.attempt);
    expect(processIsGone(firstPid)).toBe(true);
  }, 240_000);
});
