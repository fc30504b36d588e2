/** Client tasks through the GraphQL API, for tests that run them on systems. */
import type { StewardStack } from './steward';
import { uniqueName } from './steward';

async function ok(stack: StewardStack, token: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await stack.graphql<any>(query, variables, token);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data;
}

/** The ID of a task type of a product in the catalogue, such as Agent / Wakeup. */
export async function taskTypeId(stack: StewardStack, token: string, product: string, taskType: string): Promise<string> {
  const { products } = await ok(stack, token, '{ products { name taskTypes { id name } } }', {});
  return products.find((p: { name: string }) => p.name === product).taskTypes.find((t: { name: string }) => t.name === taskType).id;
}

/** Checks in a product from its manifest; the IDs of its task types, in the manifest's order. */
export async function checkInProductTypes(stack: StewardStack, token: string, manifest: Record<string, unknown>): Promise<string[]> {
  const { checkInProduct } = await ok(stack, token, 'mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { taskTypes { id } } } }', { input: { manifest } });
  return checkInProduct.product.taskTypes.map((type: { id: string }) => type.id);
}

/** A new, enabled client task of the task type. */
export async function enabledClientTask(stack: StewardStack, token: string, typeId: string, settings: Record<string, unknown> = {}): Promise<string> {
  const created = await ok(stack, token, 'mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
    input: { taskTypeId: typeId, name: uniqueName('task'), settings },
  });
  const clientTaskId = created.createClientTask.clientTask.id as string;
  await ok(stack, token, 'mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId, enabled: true } });
  return clientTaskId;
}

/** Runs the client task now on one system; its one job. */
export async function runClientTaskNow(stack: StewardStack, token: string, clientTaskId: string, systemId: string): Promise<{ id: string; workflowId: string }> {
  const { runClientTaskNow: started } = await ok(stack, token, 'mutation ($input: RunClientTaskNowInput!) { runClientTaskNow(input: $input) { run { jobs(first: 1) { edges { node { id workflowId } } } } } }', {
    input: { clientTaskId, systemIds: [systemId] },
  });
  return started.run.jobs.edges[0].node;
}
