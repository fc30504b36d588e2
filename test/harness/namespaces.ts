import { Connection } from '@temporalio/client';
import { status } from '@grpc/grpc-js';
import { msToTs } from '@temporalio/common/lib/time';

/**
 * Registers Temporal namespaces (one already there is kept) and waits until the server serves
 * them: a fresh namespace reaches the frontend's cache a few seconds after it is registered.
 */
export async function ensureNamespaces(address: string, namespaces: string[], timeoutMs = 60_000): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    for (const namespace of namespaces) {
      try {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      } catch (error) {
        if ((error as { code?: number }).code !== status.ALREADY_EXISTS) throw error;
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (const namespace of namespaces) {
      for (;;) {
        try {
          await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    }
  } finally {
    await connection.close();
  }
}
