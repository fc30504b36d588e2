import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { JobOutputLine } from '../db/entities';
import { canLogin } from '../infra/ssh';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { generatePassword } from '../services/vault/password-policy';
import { deriveNodeKey } from '../lib/node-keys';
import { NodeRoutingCodec } from '../temporal/node-codec';
import { NODE_METADATA_KEY } from '../temporal/payload-converter';
import { createManagedEndpoint, type ManagedEndpoint, tarballBase64 } from './harness/endpoint-fixtures';
import { sayHello } from '../services/nodes/node-hello-client';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { freePort } from './harness/ports';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';
import { testEnvironment } from './harness/test-env';
import { checkInProductTypes, enabledClientTask, runClientTaskNow, taskTypeId } from './harness/client-task-fixtures';
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
  const endpoints: ManagedEndpoint[] = [];

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await stack.graphql<any>(query, variables, token);
    expect(response.errors).toBeUndefined();
    return response.data;
  };

  /** RECORD_HISTORIES=<name> keeps the history for the replay test, as test/histories/<kind>-<name>.json. */
  async function recordHistory(kind: string, workflowId: string): Promise<void> {
    if (!process.env.RECORD_HISTORIES) return;
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(path.join(__dirname, 'histories', `${kind}-${process.env.RECORD_HISTORIES}.json`), historyToJSON(history));
  }

  /** An enabled Agent Wakeup client task: it reads the endpoint's properties. */
  const wakeupTask = () => agentTask('Wakeup', {});

  /** An enabled client task of one of the Agent's built-in types. */
  const agentTask = async (typeName: string, settings: Record<string, unknown>) => enabledClientTask(stack, token, await taskTypeId(stack, token, 'Agent', typeName), settings);

  /** Runs a client task on one system now and waits for its job to end. */
  const runClientTask = async (clientTaskId: string, systemId: string) => finishedJob(stack, token, (await runClientTaskNow(stack, token, clientTaskId, systemId)).id);

  /** A job's live output so far, as `jobOutput` subscribers get it: one "STREAM text" a line. */
  async function outputLinesOf(jobId: string): Promise<string[]> {
    return (await stack.orm.em.fork().find(JobOutputLine, { job: jobId }, { orderBy: { id: 'asc' } })).map((line) => `${line.stream} ${line.text}`);
  }

  /** The client task run plan a job sent its node, opened with the node's own key. */
  async function runPlanSentToNode(workflowId: string) {
    const [scheduled] = (await activitiesOnQueue(workflowId, `steward.${node}`)).filter((step) => step.activityType?.name === 'runClientTaskOnNode');
    const [opened] = await new NodeRoutingCodec({ nodeName: node, nodeKey: deriveNodeKey(stack.masterKey, node) }).decode(scheduled!.input!.payloads as Payload[]);
    return JSON.parse(Buffer.from(opened!.data!).toString('utf8')).run;
  }

  /** The activities a job's workflow scheduled on a task queue, as Temporal stores them (fetchHistory would decode them with the master key). */
  async function activitiesOnQueue(workflowId: string, taskQueue: string) {
    const { history } = await stack.client.workflowService.getWorkflowExecutionHistory({ namespace: stack.client.options.namespace, execution: { workflowId } });
    return (history?.events ?? []).flatMap((event) => {
      const scheduled = event.activityTaskScheduledEventAttributes;
      return scheduled?.taskQueue?.name === taskQueue ? [scheduled] : [];
    });
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    const registered = await stack.graphql('mutation ($input: RegisterNodeInput!) { registerNode(input: $input) { node { name } } }', { input: { name: node } }, token);
    expect(registered.errors).toBeUndefined();
  });

  afterAll(async () => {
    await nodeWorker?.stop();
    for (const record of records) await record.removeUser();
    for (const endpoint of endpoints) await endpoint.remove();
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
      extraEnv: { STEWARD_NODE_KEY: deriveNodeKey(stack.masterKey, node).toString('base64'), STEWARD_API_URL: stack.api.url },
    });
    console.log(`the keyless worker of node ${node} served its task queue after ${Date.now() - startedAt} ms`);
    // It asked the API, signing with its key, whether its node is registered under that key.
    expect(nodeWorker.logs()).toContain('the API knows this node and its key');
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
    const onNode = await activitiesOnQueue(queued.workflowId, `steward.${node}`);
    expect(onNode.map((scheduled) => scheduled.activityType?.name)).toEqual(['awaitNode', 'changePasswordOnNode', 'loginOnNode']);
    const inputs = onNode.flatMap((scheduled) => (scheduled.input?.payloads ?? []) as Payload[]);
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

  it('runs a Custom Command and Verify Password on hosts of the node, the central worker judging what the node saw', async () => {
    expect(nodeWorker).toBeDefined();
    const command = await createRotatableRecord(stack, token, { executionNode: node, script: 'CUSTOM_COMMAND', scriptParameters: { command: 'echo "hello from $STEWARD_ACCOUNT"' } });
    const verify = await createRotatableRecord(stack, token, { executionNode: node, script: 'VERIFY_PASSWORD' });
    records.push(command, verify);
    const run = async (record: RotatableRecord) => finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    const [ran, verified] = await Promise.all([run(command), run(verify)]);
    expect(ran).toMatchObject({ state: 'COMPLETED', nodeName: node, details: { exitCode: 0, output: `hello from ${command.username}` } });
    // The node streamed the line to the job's live output while the command ran.
    expect(await outputLinesOf(ran.id)).toEqual([`STDOUT hello from ${command.username}`]);
    expect(verified).toMatchObject({ state: 'COMPLETED', nodeName: node });
    const onNodeOf = async (job: { workflowId: string }) => (await activitiesOnQueue(job.workflowId, `steward.${node}`)).map((scheduled) => scheduled.activityType?.name);
    expect(await onNodeOf(ran)).toEqual(['awaitNode', 'runCommandOnNode']);
    expect(await onNodeOf(verified)).toEqual(['awaitNode', 'loginOnNode']);

    // The host's password changed behind the vault's back: the node's login is refused, and the job fails.
    execFileSync('chpasswd', { input: `${verify.username}:${generatePassword()}\n` });
    const refused = await run(verify);
    expect(refused).toMatchObject({ state: 'ERROR', nodeName: node });
    expect(refused.result).toContain(`refused the password the vault holds for ${verify.username}`);
  });

  it('updates a dependency through the node, and rolls the host and it back through the node when another fails', async () => {
    expect(nodeWorker).toBeDefined();
    const record = await createRotatableRecord(stack, token, { executionNode: node });
    records.push(record);
    const env = testEnvironment();
    // The record's own account writes the password it reads on stdin to a file in its home; never in argv.
    const addDependency = (name: string, command: string) =>
      ok('mutation ($input: AddRecordDependencyInput!) { addRecordDependency(input: $input) { dependency { id } } }', {
        input: { recordId: record.recordId, name: uniqueName(name), host: env.sshdHost, port: env.sshdPort, hostKeyFingerprint: env.sshdFingerprint, accountRecordId: record.recordId, command },
      });
    const config = () => readFileSync(path.join(execFileSync('getent', ['passwd', record.username], { encoding: 'utf8' }).split(':')[5]!, 'app.conf'), 'utf8');
    const rotate = async () => finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    const onNodeOf = async (job: { workflowId: string }) => (await activitiesOnQueue(job.workflowId, `steward.${node}`)).map((scheduled) => scheduled.activityType?.name);
    await addDependency('config', `IFS= read -r password; umask 077; printf '%s' "$password" > "$HOME/app.conf"`);

    const rotated = await rotate();
    expect(rotated).toMatchObject({ state: 'COMPLETED', nodeName: node });
    const password = await unlock(stack, token, record.recordId);
    expect(password).not.toBe(record.initialPassword);
    expect(config()).toBe(password);
    expect(await onNodeOf(rotated)).toEqual(['awaitNode', 'changePasswordOnNode', 'loginOnNode', 'runCommandOnNode']);

    await addDependency('broken', 'cat > /dev/null; echo "no such service" >&2; exit 1');
    const failed = await rotate();
    expect(failed.state).toBe('ERROR');
    expect(failed.result).toContain('exited with code 1');
    expect(failed.result).toContain('rolled back: the host and the dependencies updated are back on the previous password');
    expect(failed.details).toEqual({ exitCode: 1, output: 'no such service' });
    expect(await unlock(stack, token, record.recordId)).toBe(password);
    await expect(canLogin(sshTarget(record.username, password))).resolves.toBe(true);
    expect(config()).toBe(password);
    // Change, verify, both dependencies; then the host set back, verified, and the first dependency set back.
    expect(await onNodeOf(failed)).toEqual([
      'awaitNode',
      'changePasswordOnNode',
      'loginOnNode',
      'runCommandOnNode',
      'runCommandOnNode',
      'changePasswordOnNode',
      'loginOnNode',
      'runCommandOnNode',
    ]);
    await recordHistory('vault-task-job', failed.workflowId);
  });

  it('settles a pending password a rotation left on a host of the node, and notes the node as seen, in a reconciliation run', async () => {
    expect(nodeWorker).toBeDefined();
    // A keyless worker has no database to say it is there; forget any earlier run's note (the schedule's runs pass over every node).
    await stack.orm.em.fork().execute('update nodes set last_seen_at = null where name = ?', [node]);
    const record = await createRotatableRecord(stack, token, { executionNode: node });
    records.push(record);
    // What a rotation of the node leaves when the host took the new password and the job could not settle it.
    const pending = generatePassword();
    await stack.orm.em.fork().execute(
      `update records set encrypted_pending_password = ?, pending_password_since = now() - interval '1 hour', pending_node_name = ?, pending_accepted_at = now() where id = ?`,
      [new VaultSecrets(stack.masterKey).seal(record.recordId, pending), node, record.recordId],
    );
    execFileSync('chpasswd', { input: `${record.username}:${pending}\n` });

    const workflowId = uniqueName('reconciliation');
    const result = await stack.client.workflow.execute('jobReconciliation', { taskQueue: 'steward.local', workflowId, args: [] });
    expect(result.pendingPasswordsSettled).toBeGreaterThanOrEqual(1);
    expect(result.nodesSeen).toBeGreaterThanOrEqual(1);
    expect(await unlock(stack, token, record.recordId)).toBe(pending);
    const seen = (await ok('{ workerNodes { name lastSeenAt } }')).workerNodes.find((entry: { name: string }) => entry.name === node);
    expect(Date.parse(seen.lastSeenAt)).toBeGreaterThan(Date.now() - 5 * 60_000);
    // The node was sent the logins only, sealed for it.
    expect((await activitiesOnQueue(workflowId, `steward.${node}`)).map((scheduled) => scheduled.activityType?.name)).toEqual(['settleLoginsOnNode']);
  }, 180_000);

  it('runs a client task on a system the node reaches, and keeps what the endpoint reported centrally', async () => {
    expect(nodeWorker).toBeDefined();
    const endpoint = await createManagedEndpoint(stack, token, { executionNode: node });
    endpoints.push(endpoint);
    const job = await runClientTask(await wakeupTask(), endpoint.systemId);
    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: node });
    expect(job.events.find((event: { kind: string }) => event.kind === 'STARTED')?.message).toBe(`Started on node ${node}`);

    // The node gathered the endpoint's properties; the central worker kept them on the system.
    const { system } = await ok('query ($id: ID!) { system(id: $id) { executionNode lastContactAt properties { hostname osFamily } } }', { id: endpoint.systemId });
    expect(system).toMatchObject({ executionNode: node, properties: { hostname: hostname(), osFamily: 'linux' } });
    expect(system.lastContactAt).not.toBeNull();
    expect(job.result).toContain(hostname());

    // Only the node's work went to its queue, sealed for it; the plan and the bookkeeping stayed central.
    const onNode = await activitiesOnQueue(job.workflowId, `steward.${node}`);
    expect(onNode.map((scheduled) => scheduled.activityType?.name)).toEqual(['awaitNode', 'runClientTaskOnNode']);
    for (const input of onNode.flatMap((scheduled) => (scheduled.input?.payloads ?? []) as Payload[])) {
      expect(Buffer.from(input.metadata![NODE_METADATA_KEY]!).toString('utf8')).toBe(node);
      expect(Buffer.from(input.metadata!.encoding!).toString('utf8')).toBe('binary/encrypted');
    }
    await recordHistory('client-task-job', job.workflowId);
  });

  it('deploys and updates a product on a system of the node, which fetches only the packages granted to its job from the API', async () => {
    expect(nodeWorker).toBeDefined();
    const endpoint = await createManagedEndpoint(stack, token, { executionNode: node });
    endpoints.push(endpoint);
    const product = uniqueName('Edge');
    const checkIn = async (version: string) =>
      (await ok('mutation ($input: CheckInPackageInput!) { checkInPackage(input: $input) { package { id } } }', {
        input: { product, version, tarballBase64: tarballBase64({ VERSION: version }), installScript: 'cp VERSION installed-version' },
      })).checkInPackage.package.id as string;
    const first = await checkIn('1.0.0');
    const active = () => readFileSync(path.join(endpoint.home, '.steward-agent/installs', product, 'current/installed-version'), 'utf8');

    const deployed = await runClientTask(await agentTask('Product Deployment', { action: 'install', product }), endpoint.systemId);
    expect(deployed).toMatchObject({ state: 'COMPLETED', nodeName: node });
    expect(active()).toBe('1.0.0');
    const second = await checkIn('1.1.0');
    const updated = await runClientTask(await agentTask('Product Update', { products: [product] }), endpoint.systemId);
    expect(updated).toMatchObject({ state: 'COMPLETED', nodeName: node, result: `Updated ${product} 1.0.0 → 1.1.0` });
    expect(active()).toBe('1.1.0');
    const { system } = await ok('query ($id: ID!) { system(id: $id) { properties { installedProducts { product version } } } }', { id: endpoint.systemId });
    expect(system.properties.installedProducts).toContainEqual({ product, version: '1.1.0' });

    // What the node was sent, opened with its own key: the packages planned for the run, and the grant that fetched them.
    const run = await runPlanSentToNode(updated.workflowId);
    expect(run.packages.map((planned: { id: string }) => planned.id)).toEqual([second]);
    const fetchPackage = (id: string, grant: string) => fetch(new URL(`/node/packages/${id}`, stack.api.url), { headers: { authorization: `Bearer ${grant}` } });
    // The job has ended, so its grant fetches nothing more; it never covered another package, and a changed one is nobody's.
    const afterTheJob = await fetchPackage(second, run.job.grant);
    expect(afterTheJob.status).toBe(403);
    expect(await afterTheJob.text()).toBe(`Job ${updated.id} is not running`);
    expect((await fetchPackage(first, run.job.grant)).status).toBe(403);
    const [claims, signature] = (run.job.grant as string).split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims!, 'base64url').toString('utf8')), packageIds: [first, second] })).toString('base64url');
    expect((await fetchPackage(first, `${widened}.${signature}`)).status).toBe(401);
    expect((await fetchPackage(second, '')).status).toBe(401);
  });

  it("streams a client task's output from the node to the job's live output while it runs", async () => {
    expect(nodeWorker).toBeDefined();
    const endpoint = await createManagedEndpoint(stack, token, { executionNode: node });
    endpoints.push(endpoint);
    const gate = path.join(endpoint.home, 'gate');
    const manifest = {
      name: uniqueName('Chatty'),
      version: '1.0.0',
      taskTypes: [
        {
          name: 'Chatty',
          settingsSchema: { type: 'object', properties: {}, additionalProperties: false },
          // The first line is printed, then the run waits for the test to open the gate.
          command: ['echo "before the gate"', 'echo "to stderr" >&2', 'while [ ! -e "$HOME/gate" ]; do sleep 0.2; done', 'echo "after the gate"', 'echo "STEWARD-REPORT {\\"summary\\":\\"chatted\\"}"'].join('\n'),
        },
      ],
    };
    const [chattyType] = await checkInProductTypes(stack, token, manifest);
    const started = (await runClientTaskNow(stack, token, await enabledClientTask(stack, token, chattyType!), endpoint.systemId)).id;
    const liveLines = () => outputLinesOf(started);

    // While the job still runs on the node, its first lines are already in its live output.
    await eventually(async () => ((await liveLines()).length >= 2 ? true : undefined), 60_000, 'the first lines from the node');
    expect(await liveLines()).toEqual(expect.arrayContaining(['STDOUT before the gate', 'STDERR to stderr']));
    expect((await getJob(stack, token, started)).state).toBe('RUNNING');
    writeFileSync(gate, '');

    const job = await finishedJob(stack, token, started);
    expect(job).toMatchObject({ state: 'COMPLETED', nodeName: node, result: 'chatted' });
    const lines = await liveLines();
    expect(lines).toEqual(expect.arrayContaining(['STDOUT before the gate', 'STDERR to stderr', 'STDOUT after the gate']));
    // The report is for Steward, not for people following the job.
    expect(lines.some((line) => line.includes('STEWARD-REPORT'))).toBe(false);

    // The job's grant adds lines to that job only, and only while it runs.
    const { job: granted } = await runPlanSentToNode(job.workflowId);
    const post = (jobId: string, body: unknown) =>
      fetch(new URL(`/node/jobs/${jobId}/output`, stack.api.url), { method: 'POST', headers: { authorization: `Bearer ${granted.grant}` }, body: JSON.stringify(body) });
    const lateLine = { lines: [{ stream: 'STDOUT', text: 'after the end' }] };
    expect(granted.jobId).toBe(started);
    const late = await post(started, lateLine);
    expect(late.status).toBe(403);
    expect(await late.text()).toBe(`Job ${started} is not running`);
    expect((await post(randomUUID(), lateLine)).status).toBe(403);
    expect((await post(started, { lines: [{ stream: 'STDIN', text: 'x' }] })).status).toBe(400);
    expect((await post(started, { lines: [null] })).status).toBe(400);
    expect(await liveLines()).toEqual(lines);
  });

  it('refuses a keyless worker whose node is not registered, or whose key is not the one the API gives its node', async () => {
    const stranger = uniqueName('stranger');
    await expect(
      startWorkerProcess({
        nodeName: stranger,
        withoutEnv: ['DATABASE_URL', 'STEWARD_MASTER_KEY', 'STEWARD_PREVIOUS_MASTER_KEYS'],
        extraEnv: { STEWARD_NODE_KEY: deriveNodeKey(stack.masterKey, stranger).toString('base64'), STEWARD_API_URL: stack.api.url },
        readyTimeoutMs: 30_000,
      }),
    ).rejects.toThrow(/exited before serving its task queue \(exit code 1[^]*cannot serve: Node .*is not registered/);
    expect(await sayHello(stack.api.url, node, deriveNodeKey(randomBytes(32), node))).toMatchObject({ registered: false, why: expect.stringContaining('not signed with the key this server gives that node') });
    expect(await sayHello(stack.api.url, node, deriveNodeKey(stack.masterKey, node))).toEqual({ registered: true });
  });

  it('looks from the node at a system an assignment fires on, and ends the job when the node cannot reach it', async () => {
    expect(nodeWorker).toBeDefined();
    const endpoint = await createManagedEndpoint(stack, token, { executionNode: node, port: await freePort() });
    endpoints.push(endpoint);
    const schedule = { kind: 'DAILY', startAt: new Date(Math.ceil((Date.now() + 3_000) / 1000) * 1000).toISOString(), timeBasis: 'UTC', runMissed: false };
    const assignment = (await ok('mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', {
      input: { clientTaskId: await wakeupTask(), systemId: endpoint.systemId, schedule },
    })).assignClientTask.assignment;
    const jobId = await eventually(async () => {
      const { clientRuns } = await ok('query ($filter: ClientRunFilterInput) { clientRuns(filter: $filter, first: 1) { edges { node { jobs(first: 1) { edges { node { id } } } } } } }', {
        filter: { assignmentId: assignment.id },
      });
      return clientRuns.edges[0]?.node.jobs.edges[0]?.node.id as string | undefined;
    }, 60_000, 'the firing and its job');
    const job = await finishedJob(stack, token, jobId);
    expect(job.state).toBe('ERROR');
    expect(job.result).toMatch(/^System unreachable \(.+\); Run missed task is off/);
    expect((await activitiesOnQueue(job.workflowId, `steward.${node}`)).map((scheduled) => scheduled.activityType?.name)).toEqual(['awaitNode', 'probeSystemOnNode']);
    await ok('mutation ($input: RemoveAssignmentInput!) { removeAssignment(input: $input) { removedAssignmentId } }', { input: { assignmentId: assignment.id } });
  });

  it('refuses a system on a node nobody registered', async () => {
    const root = await stack.graphql<any>('{ systemTree { id } }', {}, token);
    const env = testEnvironment();
    const input = { name: uniqueName('nowhere'), groupId: root.data.systemTree[0].id, host: env.sshdHost, port: env.sshdPort, hostKeyFingerprint: env.sshdFingerprint, executionNode: 'no-such-node' };
    const created = await stack.graphql<any>('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', { input }, token);
    expect(created.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'executionNode' });
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
