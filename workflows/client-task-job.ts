import { ApplicationFailure, CancellationScope, patched, proxyActivities, setCurrentDetails, setHandler, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JobState } from '../lib/enums';
import { LOCAL_NODE } from '../lib/nodes';
import { hostRun, JOB_BOOKKEEPING } from './activity-profiles';
import { awaitNode, type ClientStepsOnNode, clientStepsOnNode } from './node-host-steps';
import { lockGrantedSignal, withLock } from './resource-lock';
import { enterState, type JobResult, recordingCancellation, runAndRecord } from './job-state';

export interface ClientTaskJobInput {
  jobId: string;
}

export type ClientTaskJobResult = JobResult;

/** Without a "stop the task if it runs longer than" limit, a client task may run this long. */
const DEFAULT_RUN_LIMIT_MS = 60 * 60_000;

/** Jobs that started before an unreachable system was waited for go straight to the lock, as their histories say. */
const SYSTEM_WAIT_PATCH = 'wait-for-unreachable-system';

/** Jobs that started before systems named a node ran wholly on the central worker, as their histories say. */
const NODE_STEPS_PATCH = 'client-steps-on-node-queue';

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);

/**
 * A job of an assignment firing looks at its system first: while it does not answer, the job
 * waits (durable timers, backing off) as its schedule's Run missed task says, without holding the
 * system's lock. A remote node's system is looked at from that node (`probe`). Returns how the job
 * ended when it ends without running, else null.
 */
async function waitForSystem(jobId: string, probe: (() => Promise<string | null>) | null): Promise<ClientTaskJobResult | null> {
  for (let attempt = 0; ; attempt++) {
    const unreachable = probe ? await probe() : undefined;
    const wait = await bookkeeping.awaitClientSystem({ jobId, attempt, unreachable });
    if (wait.ended) {
      enterState(wait.ended.state, wait.ended.reason);
      return { state: wait.ended.state };
    }
    if (wait.retryInMs === null) return null;
    setCurrentDetails(`The system is unreachable; looking again in ${Math.ceil(wait.retryInMs / 1000)} s`);
    await sleep(wait.retryInMs);
  }
}

/**
 * Runs the task on the host, here or on the system's remote node, stopping it there when it runs
 * longer than its limit. Returns the job's one-line result.
 */
async function runOnHost(jobId: string, limitMs: number, onNode: ClientStepsOnNode | null): Promise<string> {
  const { runClientTaskOnSystem } = proxyActivities<Activities>(hostRun(limitMs));
  const scope = new CancellationScope();
  const work = scope.run(() => (onNode ? onNode.run(jobId, limitMs) : runClientTaskOnSystem({ jobId })));
  const overran = await Promise.race([work.then(() => false), sleep(limitMs).then(() => true)]).catch(async (error: unknown) => {
    await work.catch(() => undefined); // a cancelled job waits until the task is stopped on the host
    throw error;
  });
  if (!overran) return work;
  scope.cancel();
  await work.catch(() => undefined);
  throw ApplicationFailure.nonRetryable(`Stopped: it ran longer than ${Math.round(limitMs / 60_000)} minute(s)`, 'JobOverran');
}

/** Marks the job Running on the approved version of its task, runs it, and records how it ended. */
async function runJob(jobId: string, limitMs: number, onNode: ClientStepsOnNode | null): Promise<ClientTaskJobResult> {
  const start = await bookkeeping.startClientJob({ jobId });
  if (start.state !== JobState.RUNNING) {
    enterState(start.state, start.reason);
    return { state: start.state };
  }
  enterState(JobState.RUNNING, 'Running on the endpoint');
  return runAndRecord(jobId, () => runOnHost(jobId, limitMs, onNode));
}

/**
 * One run of a client task on one system, `job-<jobId>`, started by its run's workflow when due,
 * on the central queue. At most one client task runs on a system at a time: the others wait their
 * turn on the system's lock. A system a remote node reaches gets only the SSH work sent to that
 * node's queue; the job waits Scheduled while the node is away.
 */
export async function clientTaskJob({ jobId }: ClientTaskJobInput): Promise<ClientTaskJobResult> {
  let granted = false;
  setHandler(lockGrantedSignal, () => {
    granted = true;
  });
  return recordingCancellation(jobId, async () => {
    const plan = await bookkeeping.getClientJobPlan({ jobId });
    if (!plan.runnable) return { state: JobState.CANCELLED };
    const remoteNode = plan.nodeName && plan.nodeName !== LOCAL_NODE && patched(NODE_STEPS_PATCH) ? plan.nodeName : null;
    const onNode = remoteNode ? clientStepsOnNode(remoteNode) : null;
    if (remoteNode) await awaitNode(remoteNode);
    if (plan.waitsForSystem && patched(SYSTEM_WAIT_PATCH)) {
      const address = plan.address;
      const ended = await waitForSystem(jobId, onNode && address ? () => onNode.probe(address) : null);
      if (ended) return ended;
    }
    const lock = { jobId, lockWorkflowId: plan.lockWorkflowId, account: plan.lockLabel };
    return withLock(lock, () => granted, () => runJob(jobId, plan.runLimitMs ?? DEFAULT_RUN_LIMIT_MS, onNode));
  });
}
