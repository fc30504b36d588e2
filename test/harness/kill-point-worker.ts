/**
 * A test-only worker entry: the worker of a node (temporal/worker.ts) with an activity interceptor
 * that stops given jobs at given steps. When a named activity of a named job has finished, it
 * prints a marker line and hangs, so a test can SIGKILL the process at exactly that point
 * (test/harness/kill-points.ts starts it).
 */
import 'reflect-metadata';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { openDatabase } from '../../db/database';
import { loadConfig } from '../../infra/config';
import { taskQueueForNode } from '../../lib/nodes';
import { connectTemporalClient } from '../../temporal/connection';
import { createStewardWorker, NativeConnection } from '../../temporal/worker';
import { KILL_POINTS_VARIABLE, type KillPoint, killPointMarker } from './kill-points';

/**
 * Hangs the activity of a kill point once it has finished, so its result never reaches Temporal.
 * Later attempts of it (Temporal retries it when it times out) hang before doing anything, so the
 * job stays where it was stopped.
 */
function stopAtKillPoints(points: KillPoint[]): ActivityInterceptorsFactory {
  const reached = new Set<KillPoint>();
  const hang = (point: KillPoint) => {
    if (!reached.has(point)) console.log(killPointMarker(point));
    reached.add(point);
    return new Promise<never>(() => undefined);
  };
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const { jobId } = (input.args[0] ?? {}) as { jobId?: string };
        const point = points.find((candidate) => candidate.jobId === jobId && candidate.activity === context.info.activityType);
        if (point && reached.has(point)) return hang(point);
        const result = await next(input);
        return point ? hang(point) : result;
      },
    },
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const points = JSON.parse(process.env[KILL_POINTS_VARIABLE] ?? '[]') as KillPoint[];
  const orm = await openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const client = await connectTemporalClient({ address: config.temporalAddress, namespace: config.temporalNamespace, masterKey: config.masterKey });
  const worker = await createStewardWorker({
    connection,
    namespace: config.temporalNamespace,
    nodeName: config.nodeName,
    masterKey: config.masterKey,
    orm,
    client,
    interceptors: { activity: [stopAtKillPoints(points)] },
  });
  console.log(`kill-point worker for node "${config.nodeName}" serving task queue ${taskQueueForNode(config.nodeName)}, ${points.length} kill point(s)`);
  await worker.run();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
