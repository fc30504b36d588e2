import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS } from '../infra/config';
import { taskQueueForNode } from '../lib/nodes';
import { stewardDataConverter } from './data-converter';
import { temporalPorts } from './ports';

export interface StewardWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  nodeName: string;
  masterKey: Buffer;
  orm: MikroORM;
  /** For activities that talk to Temporal: the account locks, fallback jobs, reconciliation. */
  client: Client;
  /** How many jobs of one client task run may be in progress at once, for runs this worker starts. */
  clientRunConcurrency?: number;
  /** How long, after a shutdown is asked for, running activities (host steps) may finish before they are cancelled. */
  shutdownGraceMs?: number;
  /** A prebuilt workflow bundle (tests build one once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** A worker for one node: it serves that node's task queue only. */
export async function createStewardWorker(options: StewardWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: taskQueueForNode(options.nodeName),
    ...workflowSource,
    activities: createActivities({
      orm: options.orm,
      ports: temporalPorts(options.client, options.masterKey, options.clientRunConcurrency),
      nodeName: options.nodeName,
      client: options.client,
    }),
    dataConverter: stewardDataConverter(options.masterKey),
    shutdownGraceTime: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_SECONDS * 1000,
    // A cancel reaches an activity only in the reply to a heartbeat the worker sends. Host work
    // heartbeats every 250 ms (activities/host-work.ts); sending at most one every 500 ms, rather
    // than every 0.8 × the heartbeat timeout, lets a cancel reach the host within about a second.
    maxHeartbeatThrottleInterval: 500,
    defaultHeartbeatThrottleInterval: 500,
  });
}

export { NativeConnection };
