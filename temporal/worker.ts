import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createNodeHostStepActivities } from '../activities/node-host-steps';
import { reachThroughApi } from '../activities/central-reach';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS } from '../infra/config';
import type { MasterKeys } from '../lib/master-keyring';
import { taskQueueForNode } from '../lib/nodes';
import { activityLogContext } from './activity-log-context';
import { nodeDataConverter, stewardDataConverter } from './data-converter';
import { temporalPorts } from './ports';
import { prebuiltWorkflowBundle } from './workflow-bundle';
import type { ServerIdentitySettings } from '../services/federation/server-identity';

export interface StewardWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  nodeName: string;
  masterKey: MasterKeys;
  orm: MikroORM;
  /** For activities that talk to Temporal: the account locks, fallback jobs, reconciliation. */
  client: Client;
  /** How many jobs of one client task run may be in progress at once, for runs this worker starts. */
  clientRunConcurrency?: number;
  /** How long, after a shutdown is asked for, running activities (host steps) may finish before they are cancelled. */
  shutdownGraceMs?: number;
  /** A workflow bundle to use; by default the prebuilt one (temporal/workflow-bundle.ts), else the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** This server's name and public GraphQL URL, for what its activities sign; the default identity otherwise. */
  server?: ServerIdentitySettings;
  /** Extra workflow and activity interceptors, e.g. for tracing. */
  interceptors?: WorkerOptions['interceptors'];
}

/** A worker for one node: it serves that node's task queue only. */
export async function createStewardWorker(options: StewardWorkerOptions): Promise<Worker> {
  const workflowBundle = options.workflowBundle ?? prebuiltWorkflowBundle();
  const workflowSource = workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: taskQueueForNode(options.nodeName),
    ...workflowSource,
    activities: createActivities({
      orm: options.orm,
      ports: temporalPorts(options.client, options.masterKey, options.clientRunConcurrency, options.server),
      nodeName: options.nodeName,
      client: options.client,
    }),
    dataConverter: stewardDataConverter(options.masterKey),
    // Every activity's log lines carry its job and workflow IDs.
    interceptors: { ...options.interceptors, activity: [activityLogContext, ...(options.interceptors?.activity ?? [])] },
    ...hostWorkSettings(options.shutdownGraceMs),
  });
}

function hostWorkSettings(shutdownGraceMs = DEFAULT_SHUTDOWN_GRACE_SECONDS * 1000) {
  return {
    shutdownGraceTime: shutdownGraceMs,
    // A cancel reaches an activity only in the reply to a heartbeat the worker sends. Host work
    // heartbeats every 250 ms (activities/host-work.ts); sending at most one every 500 ms, rather
    // than every 0.8 × the heartbeat timeout, lets a cancel reach the host within about a second.
    maxHeartbeatThrottleInterval: 500,
    defaultHeartbeatThrottleInterval: 500,
  };
}

export interface NodeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  nodeName: string;
  /** The node's own key (lib/node-keys.ts): all it seals and opens payloads with. */
  nodeKey: Buffer;
  /** Where the node reaches the API, to fetch the packages its jobs were granted; without it, runs that take packages fail. */
  apiUrl: string | null;
  shutdownGraceMs?: number;
}

/**
 * A keyless worker of a remote node: no workflows, no database, no master key. It serves the
 * node's queue with the host steps only, which get what they need sealed with the node's key.
 */
export async function createNodeWorker(options: NodeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: taskQueueForNode(options.nodeName),
    activities: createNodeHostStepActivities(reachThroughApi(options.apiUrl)),
    dataConverter: nodeDataConverter(options.nodeName, options.nodeKey),
    interceptors: { activity: [activityLogContext] },
    ...hostWorkSettings(options.shutdownGraceMs),
  });
}

export { NativeConnection };
