import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { freePort } from './harness/ports';
import { startScriptProcess } from './harness/script-process';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { createRotatableRecord, finishedJob, getJob, type RotatableRecord, runOnDemand } from './harness/vault-fixtures';
import { startWorkerProcess } from './harness/worker-process';

async function get(stack: StewardStack, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(path, stack.api.url));
  return { status: response.status, body: await response.text() };
}

/** Whether the account runs a process whose command line matches, on the test host. */
function runsOnHost(username: string, pattern: string): boolean {
  return spawnSync('pgrep', ['-u', username, '-f', pattern]).status === 0;
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('health: liveness, readiness, and a graceful stop', () => {
  const stacks: StewardStack[] = [];
  const records: RotatableRecord[] = [];

  afterAll(async () => {
    for (const record of records) await record.removeUser();
    for (const stack of stacks) await stack.stop();
  });

  it('answers /healthz, and /readyz with 200 when PostgreSQL and Temporal both answer', async () => {
    const stack = await startStewardStack({ worker: false });
    stacks.push(stack);

    expect(await get(stack, '/healthz')).toEqual({ status: 200, body: 'ok' });
    const ready = await get(stack, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, checks: { postgres: 'ok', temporal: 'ok' } });
  });

  it('answers /readyz with 503 naming Temporal when the API cannot reach it, and stays live', async () => {
    const stack = await startStewardStack({ worker: false, apiTemporalAddress: `127.0.0.1:${await freePort()}` });
    stacks.push(stack);

    const ready = await get(stack, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ ready: false, checks: { postgres: 'ok', temporal: 'failing' } });
    expect(await get(stack, '/healthz')).toEqual({ status: 200, body: 'ok' });
  });

  it('on SIGTERM stops accepting connections but lets a request in flight finish', async () => {
    const port = await freePort();
    const api = await startScriptProcess({ script: 'api.ts', name: 'the API', ready: { line: 'GraphQL API at', meaning: 'serving GraphQL' }, env: { PORT: String(port) } });
    try {
      const body = JSON.stringify({ query: '{ __typename }' });
      // Expect: 100-continue makes the server say when it has the request; the body follows later.
      const request = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
      });
      const response = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        request.once('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.once('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }));
        });
        request.once('error', reject);
      });
      await new Promise<void>((resolve) => {
        request.once('continue', resolve);
        request.flushHeaders();
      });

      api.child.kill('SIGTERM');
      await eventually(async () => ((await acceptsConnections(port)) ? undefined : true), 30_000, 'the API to stop accepting connections');
      expect(api.child.exitCode).toBeNull();

      request.end(body);
      const answered = await response;
      expect(answered.status).toBe(200);
      expect(JSON.parse(answered.body)).toEqual({ data: { __typename: 'Query' } });
      expect(answered.connection).toBe('close');
      const exitCode = api.child.exitCode ?? (await new Promise<number | null>((resolve) => api.child.once('exit', resolve)));
      expect(exitCode).toBe(0);
    } finally {
      await api.stop('SIGKILL');
    }
  });

  it('on SIGTERM a worker lets the host step it runs finish before it exits', async () => {
    const stack = await startStewardStack();
    stacks.push(stack);
    const token = await stack.signIn(ADMIN_ROLES);
    const node = uniqueName('drain');
    const registered = await stack.graphql('mutation ($input: RegisterNodeInput!) { registerNode(input: $input) { node { name } } }', { input: { name: node } }, token);
    expect(registered.errors).toBeUndefined();
    const record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD', executionNode: node });
    records.push(record);
    const type = await stack.graphql<any>('query ($id: ID!) { record(id: $id) { recordType { id } } }', { id: record.recordId }, token);
    const added = await stack.graphql<any>(
      'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }',
      {
        input: {
          recordTypeId: type.data.record.recordType.id,
          task: { name: 'A slow command', script: 'CUSTOM_COMMAND', policyEvents: ['ON_DEMAND'], executionNode: node, scriptParameters: { command: 'sleep 6; echo finished' } },
        },
      },
      token,
    );
    expect(added.errors).toBeUndefined();
    const workers = [await startWorkerProcess({ nodeName: node, extraEnv: { STEWARD_SHUTDOWN_GRACE_SECONDS: '60' } })];
    try {
      const job = await runOnDemand(stack, token, record.recordId, added.data.addRecordTypeTask.task.id);
      await eventually(async () => (runsOnHost(record.username, 'sleep 6') ? true : undefined), 60_000, 'the command to run on the host');

      const stopping = workers[0]!.child;
      stopping.kill('SIGTERM');
      const exitCode = stopping.exitCode ?? (await new Promise<number | null>((resolve) => stopping.once('exit', resolve)));
      expect(exitCode).toBe(0);
      // The step ran to its end before the worker went. The central worker records what the node
      // reported once Temporal hands it the step's result, which may be a moment after the node's
      // worker has gone; a step cut short would be recorded by no one, no worker of the node being left.
      const stepped = await eventually(async () => {
        const read = await getJob(stack, token, job.id);
        return read.details ? read : undefined;
      }, 30_000, "the node's step to be recorded");
      expect(stepped.details).toEqual({ exitCode: 0, output: 'finished' });
      expect(stepped.events.map((event: { message: string }) => event.message)).toContain('Ran the command');

      workers.push(await startWorkerProcess({ nodeName: node }));
      const finished = await finishedJob(stack, token, job.id);
      expect(finished.state).toBe('COMPLETED');
      expect(finished.events.filter((event: { kind: string; message: string }) => event.kind === 'RETRIED' || event.message === 'Ran the command')).toHaveLength(1);
    } finally {
      for (const worker of workers) await worker.stop('SIGKILL');
    }
  }, 240_000);
});
