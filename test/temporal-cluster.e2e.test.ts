import { execFileSync } from 'node:child_process';
import { canLogin } from '../infra/ssh';
import { LOCAL_NODE } from '../lib/nodes';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { createManagedEndpoint, type ManagedEndpoint } from './harness/endpoint-fixtures';
import { holdNextCommand, isHeld, passwordChanges, passwordDigest, release, tracePasswordChanges } from './harness/kill-points';
import { freePort } from './harness/ports';
import { type ScriptProcess, startScriptProcess } from './harness/script-process';
import { ADMIN_ROLES, eventually, type GraphqlResult, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { planTestCluster, type TestCluster } from './harness/temporal-cluster';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand, scheduleRun, sshTarget, unlock, waitingOnTimer } from './harness/vault-fixtures';
import { startWorkerProcess } from './harness/worker-process';

/** Four Steward processes start at once on a small machine: each is given longer than the usual 90 s. */
const PROCESS_READY_MS = 180_000;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * Steward on a real Temporal cluster (scripts/temporal-cluster.ts): PostgreSQL persistence and
 * visibility, frontend, matching, worker and two history hosts as separate processes. Two worker
 * processes serve node `local` and two API processes take the requests, taking turns, the way a
 * scaled-out deployment runs.
 */
describe('Steward on a Temporal cluster with two workers and two API processes', () => {
  const databaseUrl = (() => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = `/steward_cluster_${process.pid}`;
    return url.toString();
  })();
  let cluster: TestCluster | undefined;
  let stack: StewardStack | undefined;
  const processes: ScriptProcess[] = [];
  const records: RotatableRecord[] = [];
  const endpoints: ManagedEndpoint[] = [];
  let viaApis: StewardStack;
  let token: string;
  let rotated: RotatableRecord;

  const startApi = async (temporalAddress: string) => {
    const port = await freePort();
    const api = await startScriptProcess({
      script: 'api.ts',
      name: `the API on port ${port}`,
      ready: { line: 'GraphQL API at', meaning: 'serving GraphQL' },
      env: { PORT: String(port), DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: 'default' },
      readyTimeoutMs: PROCESS_READY_MS,
    });
    processes.push(api);
    return `http://127.0.0.1:${port}/graphql`;
  };
  const startWorker = async () => {
    processes.push(await startWorkerProcess({ nodeName: LOCAL_NODE, temporalAddress: cluster!.address, extraEnv: { DATABASE_URL: databaseUrl }, readyTimeoutMs: PROCESS_READY_MS }));
  };
  /** A wait that fails with the Steward processes' last warnings, which say what held the work up. */
  const explained = async <T>(wait: Promise<T>): Promise<T> => {
    try {
      return await wait;
    } catch (error) {
      const warnings = processes.flatMap((each) => each.logs().split('\n').filter((line) => /"level":"(warn|error|fatal)"/.test(line)).slice(-3));
      throw new Error(`${(error as Error).message}\nthe Steward processes' last warnings:\n${warnings.join('\n')}`);
    }
  };
  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await viaApis.graphql<any>(query, variables, token);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  beforeAll(async () => {
    const started = Date.now();
    const planned = await planTestCluster();
    // The APIs connect to Temporal lazily, so they start while the cluster does; the workers need it up.
    // Settled, not raced: whatever did start is known to afterAll, which stops it.
    const [clusterStart, apisStart] = await Promise.allSettled([
      planned.start().then((running) => (cluster = running)),
      createMigratedDatabase(databaseUrl).then(() => Promise.all([startApi(planned.address), startApi(planned.address)])),
    ]);
    if (clusterStart.status === 'rejected') throw clusterStart.reason;
    if (apisStart.status === 'rejected') throw apisStart.reason;
    const [firstApi, secondApi] = apisStart.value;
    const running = clusterStart.value;
    await Promise.all([startWorker(), startWorker()]);
    console.log(`the cluster (${running.processes.map((p) => p.name).join(', ')}), two APIs and two workers ready after ${seconds(started)}`);
    // In this process only to sign in and to read Temporal; the API processes answer every request.
    stack = await startStewardStack({ databaseUrl, temporalAddress: running.address, worker: false });
    token = await stack.signIn(ADMIN_ROLES);
    let turn = 0;
    const graphql = async <T>(query: string, variables?: Record<string, unknown>, bearer?: string): Promise<GraphqlResult<T>> => {
      const response = await fetch([firstApi, secondApi][turn++ % 2]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphqlResult<T>;
    };
    viaApis = { ...stack, graphql };
  }, 2 * PROCESS_READY_MS);

  afterAll(async () => {
    await Promise.all(processes.map((each) => each.stop()));
    await stack?.stop();
    await cluster?.stop();
    await dropDatabase(databaseUrl);
    for (const fixture of [...records, ...endpoints]) await ('removeUser' in fixture ? fixture.removeUser() : fixture.remove());
  }, 60_000);

  it('rotates a password end to end', async () => {
    const started = Date.now();
    rotated = await createRotatableRecord(viaApis, token);
    records.push(rotated);
    const job = await runOnDemand(viaApis, token, rotated.recordId, rotated.taskId);
    const done = await explained(finishedJob(viaApis, token, job.id));
    console.log(`a rotation on the cluster completed in ${seconds(started)}: ${done.events.map((event: { message: string }) => event.message).join(' | ')}`);
    expect(done).toMatchObject({ state: 'COMPLETED', nodeName: LOCAL_NODE, result: 'Completed' });

    const password = await unlock(viaApis, token, rotated.recordId);
    expect(password).not.toBe(rotated.initialPassword);
    await expect(canLogin(sshTarget(rotated.username, password))).resolves.toBe(true);
    // Closed in the cluster too, with Steward's search attributes in its PostgreSQL visibility.
    const description = await eventually(async () => {
      const described = await stack!.client.workflow.getHandle(job.workflowId).describe();
      return described.status.name === 'COMPLETED' ? described : undefined;
    }, 30_000, `${job.workflowId} to close`);
    const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map(({ key, value }) => [key.name, value]));
    expect(attributes).toMatchObject({ StewardRecordId: rotated.recordId, StewardNodeName: LOCAL_NODE, StewardJobState: 'COMPLETED' });
    const found: string[] = [];
    for await (const execution of stack!.client.workflow.list({ query: `StewardRecordId = '${rotated.recordId}'` })) found.push(execution.workflowId);
    expect(found).toEqual([job.workflowId]);
  });

  it('runs a client task on a system', async () => {
    const started = Date.now();
    const endpoint = await createManagedEndpoint(viaApis, token);
    endpoints.push(endpoint);
    const { products } = await ok('{ products { name taskTypes { id name } } }');
    const wakeup = products.find((p: { name: string }) => p.name === 'Agent').taskTypes.find((t: { name: string }) => t.name === 'Wakeup');
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', { input: { taskTypeId: wakeup.id, name: uniqueName('wakeup'), settings: {} } }))
      .createClientTask.clientTask;
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.id, enabled: true } });
    const fields = 'id counts { targeted pending running completed failed } jobs(first: 10) { edges { node { state system { id } } } }';
    const run = (await ok(`mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { ${fields} } } }`, { input: { clientTaskId: task.id, systemIds: [endpoint.systemId] } }))
      .runClientTaskNow.run;
    const ended = await explained(
      eventually(async () => {
        const current = (await ok(`query ($id: ID!) { clientRun(id: $id) { ${fields} } }`, { id: run.id })).clientRun;
        return current.counts.pending + current.counts.running === 0 ? current : undefined;
      }, 90_000, `client run ${run.id} to end`),
    );
    console.log(`a client task run on the cluster ended in ${seconds(started)}`);
    expect(ended.counts).toEqual({ targeted: 1, pending: 0, running: 0, completed: 1, failed: 0 });
    expect(ended.jobs.edges[0].node).toEqual({ state: 'COMPLETED', system: { id: endpoint.systemId } });
  });

  it('shows a job cancelled with `temporal workflow cancel` on the cluster as Cancelled', async () => {
    const scheduled = await scheduleRun(viaApis, token, rotated.recordId, rotated.taskId, new Date(Date.now() + 10 * 60_000));
    await waitingOnTimer(stack!.client.workflow.getHandle(scheduled.workflowId));
    const cancelledAt = Date.now();
    execFileSync(testEnvironment().temporalCli, ['workflow', 'cancel', '--address', cluster!.address, '--namespace', cluster!.namespace, '--workflow-id', `job-${scheduled.id}`]);
    const job = await explained(finishedJob(viaApis, token, scheduled.id, 30_000));
    console.log(`a job cancelled with the Temporal CLI on the cluster showed as Cancelled ${seconds(cancelledAt)} after the CLI was started`);
    expect(job).toMatchObject({ state: 'CANCELLED', result: 'Cancelled', startedAt: null });
    await eventually(async () => ((await stack!.client.workflow.getHandle(scheduled.workflowId).describe()).status.name === 'CANCELLED' ? true : undefined), 30_000, 'the workflow to close as cancelled');
  });

  it('loses nothing when a history host and matching are SIGKILLed with a timer and a rotation in flight', async () => {
    const started = Date.now();
    const record = await createRotatableRecord(viaApis, token);
    records.push(record);
    await tracePasswordChanges({ username: record.username, password: record.initialPassword }, 'passwd');
    // In flight: a rotation whose passwd holds on the host, and a job on the same record sleeping on its timer.
    holdNextCommand(record.username);
    const rotating = await runOnDemand(viaApis, token, record.recordId, record.taskId);
    await explained(eventually(async () => (isHeld(record.username) ? true : undefined), 60_000, 'passwd to hold on the host'));
    const sleeping = await scheduleRun(viaApis, token, record.recordId, record.taskId, new Date(Date.now() + 25_000));
    await explained(waitingOnTimer(stack!.client.workflow.getHandle(sleeping.workflowId)));

    // The history host that keeps the timer dies with matching; the other host takes its shards over.
    const killed = ['matching', await cluster!.historyHostOf(sleeping.workflowId)];
    const rotationHost = await cluster!.historyHostOf(rotating.workflowId);
    for (const name of killed) await cluster!.kill(name);
    const killedAt = Date.now();
    // The host finishes the change while the worker has a degraded cluster to report it to.
    release(record.username);
    await eventually(async () => (passwordChanges(record.username).length === 1 ? true : undefined), 30_000, 'the held passwd to finish');
    for (const name of killed) await cluster!.restart(name);
    console.log(`${killed.join(' and ')} SIGKILLed (the rotation's shard on ${rotationHost}), started again ${seconds(killedAt)} later`);

    const jobs = [rotating, sleeping];
    for (const job of jobs) expect(await explained(finishedJob(viaApis, token, job.id))).toMatchObject({ state: 'COMPLETED', result: 'Completed' });
    for (const job of jobs) {
      const { events, scheduledFor } = await getJob(viaApis, token, job.id);
      const sinceKill = (at: string) => `${((Date.parse(at) - killedAt) / 1000).toFixed(1)} s`;
      console.log(`job ${job.id} (due ${sinceKill(scheduledFor)} after the kill): ${events.map((event: { kind: string; at: string }) => `${event.kind} ${sinceKill(event.at)}`).join(' | ')}`);
      const kinds = events.map((event: { kind: string }) => event.kind);
      // Sent to the task queue once, started once, and ended Completed.
      expect(kinds.filter((kind: string) => kind === 'QUEUED')).toHaveLength(1);
      expect(kinds.filter((kind: string) => kind === 'STARTED')).toHaveLength(1);
      expect(kinds.at(-1)).toBe('COMPLETED');
    }
    const timed = await getJob(viaApis, token, sleeping.id);
    expect(Date.parse(timed.startedAt)).toBeGreaterThanOrEqual(Date.parse(timed.scheduledFor));
    // Each job changed the host's password once, and the vault holds the last one.
    const changes = passwordChanges(record.username);
    expect(changes).toHaveLength(2);
    const vaulted = await unlock(viaApis, token, record.recordId);
    expect(changes[1]).toBe(passwordDigest(vaulted));
    await expect(canLogin(sshTarget(record.username, vaulted))).resolves.toBe(true);
    // Temporal agrees: one run of each job's workflow, closed Completed, in its PostgreSQL visibility too.
    const closed = await explained(
      eventually(async () => {
        const found: { workflowId: string; status: string; jobState: unknown }[] = [];
        for await (const execution of stack!.client.workflow.list({ query: `StewardRecordId = '${record.recordId}'` })) {
          found.push({ workflowId: execution.workflowId, status: execution.status.name, jobState: execution.typedSearchAttributes.getAll().find(({ key }) => key.name === 'StewardJobState')?.value });
        }
        return found.length >= jobs.length && found.every((each) => each.status === 'COMPLETED') ? found : undefined;
      }, 60_000, 'both workflows to show as closed in visibility'),
    );
    expect(closed.map((each) => each.workflowId).sort()).toEqual(jobs.map((job) => job.workflowId).sort());
    expect(closed.map((each) => each.jobState)).toEqual(['COMPLETED', 'COMPLETED']);
    console.log(`SIGKILL of ${killed.join(' and ')} with a timer and a rotation in flight: 2 jobs ran once each, 2 host password changes, the vault's works; visibility agreed ${seconds(killedAt)} after the kill, ${seconds(started)} in all`);
  }, 180_000);
});
