/**
 * The reconciliation workflow (workflows/job-reconciliation.ts) settles pending passwords on every
 * node at once, so one away node holds a run up a minute in all, not a minute per away node. A
 * remote node is sent only the logins to try (settleLoginsOnNode), planned and recorded centrally. Its
 * activities here are stand-ins, since what is tested is the workflow's orchestration (the sweep
 * itself is pending-settle.e2e's): each node's sweep waits until every node's sweep has started,
 * so run one after another the first would give up waiting and settle nothing.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { taskQueueForNode } from '../lib/nodes';
import { eventually } from './harness/steward';
import { testEnvironment } from './harness/test-env';

describe('the reconciliation workflow', () => {
  it('settles the pending passwords of every node at once', async () => {
    const env = testEnvironment();
    const suffix = randomUUID().slice(0, 8);
    const nodes = [`east-${suffix}`, `west-${suffix}`];
    const centralQueue = `reconciliation-${suffix}`;
    const sweepsStarted = new Set<string>();

    const connection = await NativeConnection.connect({ address: env.temporalAddress });
    const clientConnection = await Connection.connect({ address: env.temporalAddress });
    try {
      const central = await Worker.create({
        connection,
        namespace: env.temporalNamespace,
        taskQueue: centralQueue,
        workflowBundle: { codePath: env.workflowBundlePath },
        activities: {
          reconcileJobsWithTemporal: async () => 0,
          ensureAssignmentSchedules: async () => 0,
          nodesWithPendingPasswords: async () => nodes,
          // One record per node, whose host accepts its first login, the current password.
          planNodeSettles: async ({ nodeName }: { nodeName: string }) => [{ recordId: nodeName, attempts: [{ password: 'CURRENT', login: {} }] }],
          recordNodeSettles: async ({ answers }: { answers: { accepted: string | null }[] }) => answers.filter(({ accepted }) => accepted === 'CURRENT').length,
          noteNodesSeen: async () => nodes.length,
        },
      });
      const nodeWorkers = await Promise.all(
        nodes.map((node) =>
          Worker.create({
            connection,
            namespace: env.temporalNamespace,
            taskQueue: taskQueueForNode(node),
            activities: {
              settleLoginsOnNode: async ({ records }: { records: { recordId: string }[] }) => {
                sweepsStarted.add(node);
                await eventually(async () => (sweepsStarted.size === nodes.length ? true : undefined), 15_000, 'every node to start its sweep').catch((error: Error) => {
                  throw ApplicationFailure.nonRetryable(error.message);
                });
                return records.map(({ recordId }) => ({ recordId, accepted: 0 }));
              },
            },
          }),
        ),
      );
      const workers = [central, ...nodeWorkers];
      const running = workers.map((worker) => worker.run());
      try {
        const client = new Client({ connection: clientConnection, namespace: env.temporalNamespace });
        const result = await client.workflow.execute('jobReconciliation', { taskQueue: centralQueue, workflowId: `job-reconciliation-test-${suffix}`, args: [] });
        expect(result).toEqual({ changed: 0, schedulesStarted: 0, pendingPasswordsSettled: 2, nodesSeen: 2 });
      } finally {
        for (const worker of workers) worker.shutdown();
        await Promise.all(running);
      }
    } finally {
      await connection.close();
      await clientConnection.close();
    }
  });
});
