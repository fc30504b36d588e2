import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uniqueName } from '../steward';
import { administrators, input, row, type Row } from './expectations';
import type { MatrixFixtures } from './fixtures';

const CREATE = 'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id version } } }';

let receiverUrl: Promise<string> | undefined;

/**
 * A receiver that answers 410 Gone: the matrix's deliveries are refused on their first try and
 * marked FAILED, instead of retrying for hours against a closed port. It does not hold the process open.
 */
function refusingReceiver(): Promise<string> {
  receiverUrl ??= new Promise((resolve) => {
    const server = createServer((_request, response) => response.writeHead(410).end());
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/matrix`));
    server.unref();
  });
  return receiverUrl;
}

async function webhookInput(): Promise<Record<string, unknown>> {
  // Disabled: the shared database outlives this receiver, and later tests' jobs must not be sent to it.
  return { name: uniqueName('hook'), url: await refusingReceiver(), events: ['JOB_FINISHED'], jobStates: ['ERROR'], secret: 'matrix-secret-0123456789', enabled: false };
}

async function newWebhook(fx: MatrixFixtures): Promise<{ id: string; version: number }> {
  return (await fx.ok<any>(CREATE, { input: await webhookInput() })).webhook;
}

export const WEBHOOK_QUERY_ROWS: Record<string, Row> = {
  webhooks: row(administrators),
  webhookDeliveries: row(administrators, async (fx) => ({ webhookId: (await newWebhook(fx)).id })),
};

export const WEBHOOK_MUTATION_ROWS: Record<string, Row> = {
  createWebhook: input(administrators, webhookInput),
  updateWebhook: input(administrators, async (fx) => {
    const webhook = await newWebhook(fx);
    return { id: webhook.id, version: webhook.version, enabled: false };
  }),
  deleteWebhook: input(administrators, async (fx) => {
    const webhook = await newWebhook(fx);
    return { id: webhook.id, version: webhook.version };
  }),
  testWebhook: input(administrators, async (fx) => ({ id: (await newWebhook(fx)).id })),
};
