import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LOCAL_NODE, taskQueueForNode } from '../../lib/nodes';
import { JOB_RECONCILIATION_SCHEDULE } from '../../temporal/maintenance';
import { SHARE_CLIENT_TASKS_SCHEDULE } from '../../temporal/share-schedule';
import { STEWARD_SEARCH_ATTRIBUTE_NAMES } from '../../workflows/search-attributes';
import { type CheckResult, errorMessage, fail, ok } from './doctor-check';

const CALL_TIMEOUT_MS = 5_000;
const GRPC_NOT_FOUND = 5;
const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;

const isNotFound = (error: unknown) => (error as { code?: number }).code === GRPC_NOT_FOUND;

/**
 * Temporal answers and has the namespace, Steward's search attributes and maintenance schedules,
 * and a worker polls each node's task queue. Raw gRPC calls: nothing here decodes a payload, so
 * no master key is needed.
 */
export async function checkTemporal(address: string, namespace: string, nodes: string[] | undefined): Promise<CheckResult[]> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: CALL_TIMEOUT_MS });
  } catch (error) {
    return [fail('temporal', `cannot connect to ${address} (${errorMessage(error)})`, 'start Temporal, or set TEMPORAL_ADDRESS to its frontend (host:port)')];
  }
  const within = <T>(call: () => Promise<T>) => connection.withDeadline(Date.now() + CALL_TIMEOUT_MS, call);
  try {
    try {
      await within(() => connection.workflowService.describeNamespace({ namespace }));
    } catch (error) {
      if (isNotFound(error)) return [fail('temporal', `${address} answers, but has no namespace "${namespace}"`, `create it (temporal operator namespace create --namespace ${namespace}), or set TEMPORAL_NAMESPACE`)];
      throw error;
    }
    const results = [ok('temporal', `${address} answers, namespace "${namespace}" exists`)];
    results.push(await checkSearchAttributes(connection, namespace, within));
    results.push(await checkSchedules(connection, namespace, within));
    if (nodes) for (const node of nodes) results.push(await checkPollers(connection, namespace, node, within));
    return results;
  } catch (error) {
    return [fail('temporal', `${address} did not answer (${errorMessage(error)})`, 'check that Temporal is up and TEMPORAL_ADDRESS points at its frontend')];
  } finally {
    await connection.close();
  }
}

type Within = <T>(call: () => Promise<T>) => Promise<T>;

async function checkSearchAttributes(connection: Connection, namespace: string, within: Within): Promise<CheckResult> {
  const { customAttributes } = await within(() => connection.operatorService.listSearchAttributes({ namespace }));
  const missing = STEWARD_SEARCH_ATTRIBUTE_NAMES.filter((name) => !customAttributes?.[name]);
  if (missing.length === 0) return ok('search attributes', `all ${STEWARD_SEARCH_ATTRIBUTE_NAMES.length} registered`);
  const create = missing.map((name) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword`);
  return fail('search attributes', `missing ${missing.join(', ')}`, create.join('; '));
}

async function checkSchedules(connection: Connection, namespace: string, within: Within): Promise<CheckResult> {
  const missing: string[] = [];
  const paused: string[] = [];
  for (const scheduleId of [JOB_RECONCILIATION_SCHEDULE, SHARE_CLIENT_TASKS_SCHEDULE]) {
    try {
      const described = await within(() => connection.workflowService.describeSchedule({ namespace, scheduleId }));
      if (described.schedule?.state?.paused) paused.push(scheduleId);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      missing.push(scheduleId);
    }
  }
  if (missing.length > 0) return fail('schedules', `missing ${missing.join(', ')}`, 'start a worker for the local node (STEWARD_NODE unset or local): it creates them');
  return ok('schedules', `${JOB_RECONCILIATION_SCHEDULE} and ${SHARE_CLIENT_TASKS_SCHEDULE} exist${paused.length ? ` (paused: ${paused.join(', ')})` : ''}`);
}

async function checkPollers(connection: Connection, namespace: string, node: string, within: Within): Promise<CheckResult> {
  const taskQueue = taskQueueForNode(node);
  const pollers = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) =>
    (await within(() => connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType }))).pollers?.length ?? 0;
  const workflowPollers = await pollers(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
  const activityPollers = await pollers(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
  const detail = `${workflowPollers} workflow and ${activityPollers} activity poller(s)`;
  // Every job's workflow runs on the local node: a remote node's worker may be keyless, polling for host steps (activities) only.
  if ((node === LOCAL_NODE && workflowPollers === 0) || activityPollers === 0) {
    return fail(`node ${node}`, `no worker serves ${taskQueue}: ${detail}`, `start a worker with STEWARD_NODE=${node} (node dist/scripts/worker.js); its jobs wait until one polls`);
  }
  return ok(`node ${node}`, `${taskQueue} has ${detail}`);
}
