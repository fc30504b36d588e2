import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Role } from '../lib/enums';
import { verifyWebhookSignature } from '../lib/webhook-signature';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand } from './harness/vault-fixtures';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that answers with the queued statuses first, then 200. */
class Receiver {
  readonly requests: Received[] = [];
  readonly statuses: number[] = [];
  private server!: Server;
  url!: string;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(this.statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/steward`;
  }

  of(deliveryId: string): Received[] {
    return this.requests.filter((request) => request.headers['steward-delivery'] === deliveryId);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const SECRET = 'whsec-test-7f3c1a9e5b2d4c6f8a0b';
const WEBHOOK_FIELDS = 'id name url events jobStates enabled secretFingerprint version';
const DELIVERY_FIELDS = 'id event state attempts lastStatusCode lastError lastAttemptAt deliveredAt';

describe('webhooks', () => {
  let stack: StewardStack;
  let admin: string;
  const receiver = new Receiver();
  const webhookIds: string[] = [];
  const records: RotatableRecord[] = [];
  const initialInterval = process.env.STEWARD_WEBHOOK_RETRY_INITIAL_MS;

  const ok = async (query: string, variables: Record<string, unknown> = {}, token = admin): Promise<any> => {
    const result = await stack.graphql<any>(query, variables, token);
    if (!result.data || result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  const createWebhook = async (input: Record<string, unknown>): Promise<any> => {
    const { createWebhook: payload } = await ok(`mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { ${WEBHOOK_FIELDS} } } }`, {
      input: { name: uniqueName('hook'), url: receiver.url, secret: SECRET, ...input },
    });
    webhookIds.push(payload.webhook.id);
    return payload.webhook;
  };

  const deliveries = async (webhookId: string): Promise<any[]> =>
    (await ok(`query ($id: ID!) { webhookDeliveries(webhookId: $id, first: 10) { edges { node { ${DELIVERY_FIELDS} } } } }`, { id: webhookId })).webhookDeliveries.edges.map(
      (edge: any) => edge.node,
    );

  const settled = (webhookId: string, state: string) =>
    eventually(async () => (await deliveries(webhookId)).find((delivery) => delivery.state === state), 30_000, `a ${state} delivery`);

  beforeAll(async () => {
    // Retries a fifth of a second apart, doubling, instead of ten seconds.
    process.env.STEWARD_WEBHOOK_RETRY_INITIAL_MS = '200';
    await receiver.start();
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
  });

  afterAll(async () => {
    // The database is shared with later tests: their jobs must not be sent here.
    for (const id of webhookIds) await stack.orm.em.fork().getConnection().execute('delete from "webhooks" where "id" = ?', [id]);
    for (const record of records) await record.removeUser();
    await stack?.stop();
    await receiver.stop();
    if (initialInterval === undefined) delete process.env.STEWARD_WEBHOOK_RETRY_INITIAL_MS;
    else process.env.STEWARD_WEBHOOK_RETRY_INITIAL_MS = initialInterval;
  });

  it('sends JOB_FINISHED for a failed job, retries a failing receiver, and signs what it sends', async () => {
    const webhook = await createWebhook({ events: ['JOB_FINISHED'], jobStates: ['ERROR'] });
    expect(webhook.secretFingerprint).toMatch(/^[0-9a-f]{16}$/);
    receiver.statuses.push(500, 500);
    // A pinned host key that does not match fails the job at once, before any credential is sent.
    const record = await createRotatableRecord(stack, admin, { hostKeyFingerprint: `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}` });
    records.push(record);
    const job = await finishedJob(stack, admin, (await runOnDemand(stack, admin, record.recordId, record.taskId)).id);
    expect(job.state).toBe('ERROR');

    const delivered = await settled(webhook.id, 'DELIVERED');
    expect(delivered).toMatchObject({ event: 'JOB_FINISHED', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(delivered.deliveredAt).not.toBeNull();

    const tries = receiver.of(delivered.id);
    expect(tries).toHaveLength(3);
    const now = Math.floor(Date.now() / 1000);
    for (const { headers, body } of tries) {
      expect(headers['steward-event']).toBe('JOB_FINISHED');
      expect(verifyWebhookSignature(SECRET, String(headers['steward-signature']), body, now)).toBe(true);
      expect(verifyWebhookSignature('another-secret-0000000000', String(headers['steward-signature']), body, now)).toBe(false);
      // A replay more than five minutes later is refused.
      expect(verifyWebhookSignature(SECRET, String(headers['steward-signature']), body, now + 301)).toBe(false);
    }
    const sent = JSON.parse(tries[2]!.body);
    expect(sent).toMatchObject({ id: delivered.id, event: 'JOB_FINISHED', data: { job: { id: job.id, state: 'ERROR', recordId: record.recordId, workflowId: job.workflowId } } });
    expect(tries[2]!.body).not.toContain(record.initialPassword);
    expect(tries[2]!.body).not.toContain(job.result);

    // The delivery is recorded by its last try, just before its workflow completes.
    const handle = stack.client.workflow.getHandle(`webhook-delivery-${delivered.id}`);
    await eventually(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), 10_000, 'the delivery workflow to complete');
  });

  it('does not send a job state the webhook did not ask for, and gives up at once on a 4xx', async () => {
    const webhook = await createWebhook({ events: ['JOB_FINISHED'], jobStates: ['COMPLETED'] });
    receiver.statuses.push(404);
    const { testWebhook } = await ok(`mutation ($input: TestWebhookInput!) { testWebhook(input: $input) { delivery { ${DELIVERY_FIELDS} } } }`, { input: { id: webhook.id } });
    expect(testWebhook.delivery).toMatchObject({ event: 'PING', state: 'PENDING', attempts: 0 });

    const failed = await settled(webhook.id, 'FAILED');
    expect(failed).toMatchObject({ id: testWebhook.delivery.id, attempts: 1, lastStatusCode: 404, lastError: 'HTTP 404' });
    // Only the PING: the failed job of the test before was no COMPLETED one.
    expect(await deliveries(webhook.id)).toHaveLength(1);
  });

  it('sends CLIENT_RUN_FINISHED once, when the last job of a run ends', async () => {
    const webhook = await createWebhook({ events: ['CLIENT_RUN_FINISHED'] });
    const wrongKey = `SHA256:${Buffer.alloc(32, 9).toString('base64').replace(/=+$/, '')}`;
    const credential = await createRotatableRecord(stack, admin);
    records.push(credential);
    const [root] = (await ok('{ systemTree { id } }')).systemTree;
    const systemIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const input = { name: uniqueName('hooked'), groupId: root.id, host: testEnvironment().sshdHost, port: testEnvironment().sshdPort, credentialRecordId: credential.recordId, hostKeyFingerprint: wrongKey };
      systemIds.push((await ok('mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }', { input })).createSystem.system.id);
    }
    const products = (await ok('{ products { name taskTypes { id name } } }')).products;
    const wakeup = products.find((product: any) => product.name === 'Agent').taskTypes.find((type: any) => type.name === 'Wakeup');
    const task = (await ok('mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
      input: { taskTypeId: wakeup.id, name: uniqueName('hooked-task'), settings: {} },
    })).createClientTask.clientTask;
    await ok('mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId: task.id, enabled: true } });
    const { run } = (await ok('mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { id } } }', { input: { clientTaskId: task.id, systemIds } })).runClientTaskNow;

    const delivered = await settled(webhook.id, 'DELIVERED');
    const [sent] = receiver.of(delivered.id);
    expect(JSON.parse(sent!.body).data).toMatchObject({ clientRun: { id: run.id, clientTaskId: task.id }, jobCounts: { total: 3, error: 3 } });
    const { clientRun } = await ok('query ($id: ID!) { clientRun(id: $id) { counts { pending running } } }', { id: run.id });
    expect(clientRun.counts).toEqual({ pending: 0, running: 0 });
    expect(await deliveries(webhook.id)).toHaveLength(1);
  });

  it('keeps the secret sealed, versions changes, audits them, and is for administrators only', async () => {
    const webhook = await createWebhook({ events: ['APPROVAL_REQUESTED', 'ACCESS_REQUEST_APPROVED'] });
    const [row] = await stack.orm.em.fork().getConnection().execute<{ encrypted_secret: string }[]>('select "encrypted_secret" from "webhooks" where "id" = ?', [webhook.id]);
    expect(row!.encrypted_secret).not.toContain(SECRET);
    expect(row!.encrypted_secret).toMatch(/^v2:[0-9a-f]{16}:/);
    const asked = await stack.graphql('{ webhooks { edges { node { secret } } } }', {}, admin);
    expect(asked.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const update = `mutation ($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { ${WEBHOOK_FIELDS} } } }`;
    const updated = (await ok(update, { input: { id: webhook.id, version: webhook.version, enabled: false, secret: 'a-new-secret-1234567890' } })).updateWebhook.webhook;
    expect(updated).toMatchObject({ enabled: false, version: webhook.version + 1 });
    expect(updated.secretFingerprint).not.toBe(webhook.secretFingerprint);
    const stale = await stack.graphql(update, { input: { id: webhook.id, version: webhook.version, name: 'stale' } }, admin);
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const refused = await stack.graphql('mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }', {
      input: { name: 'bad', url: 'http://user:pass@127.0.0.1/hook', events: ['JOB_FINISHED'], secret: SECRET },
    }, admin);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const operator = await stack.signIn([Role.OPERATOR]);
    const created = await stack.graphql('mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }', {
      input: { name: 'not mine', url: receiver.url, events: ['JOB_FINISHED'], secret: SECRET },
    }, operator);
    expect(created.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const query of ['{ webhooks { edges { node { id secretFingerprint } } } }', `{ webhookDeliveries(webhookId: "${webhook.id}") { edges { node { id } } } }`]) {
      expect((await stack.graphql(query, {}, operator)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }

    await ok('mutation ($input: DeleteWebhookInput!) { deleteWebhook(input: $input) { id } }', { input: { id: webhook.id, version: updated.version } });
    const audited = await stack.orm.em.fork().getConnection().execute<{ action: string; details: Record<string, unknown> }[]>(
      `select "action", "details" from "audit_events" where "target_id" = ? and "outcome" = 'SUCCESS' order by "created_at"`,
      [webhook.id],
    );
    expect(audited.map(({ action }) => action)).toEqual(['createWebhook', 'updateWebhook', 'deleteWebhook']);
    expect(JSON.stringify(audited)).not.toContain(SECRET);
    expect(JSON.stringify(audited)).not.toContain('a-new-secret-1234567890');
  });
});
