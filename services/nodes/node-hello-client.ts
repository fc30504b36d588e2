import { nodeHello } from '../../lib/node-keys';
import { NODE_HELLO_PATH } from '../../lib/nodes';

/** What the API said to a node's hello. */
export type HelloAnswer = { registered: true } | { registered: false; why: string } | { unreachable: string };

/**
 * Asks the API whether this node is registered and holds the key the API gives it: a keyless
 * worker's check at start (scripts/worker.ts), since it has no database to look in.
 */
export async function sayHello(apiUrl: string, nodeName: string, nodeKey: Buffer): Promise<HelloAnswer> {
  try {
    const response = await fetch(new URL(NODE_HELLO_PATH, apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${nodeHello(nodeName, nodeKey, Date.now())}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return { registered: true };
    const why = (await response.text()).slice(0, 500);
    return response.status === 401 || response.status === 404 ? { registered: false, why } : { unreachable: `the API answered ${response.status}: ${why}` };
  } catch (error) {
    return { unreachable: (error as Error).message };
  }
}
