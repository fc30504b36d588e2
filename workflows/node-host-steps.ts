import { ActivityFailure, ApplicationFailure, CancellationScope, patched, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { HOST_KEY_MISMATCH_FAILURE, type SealedForNode, taskQueueForNode } from '../lib/nodes';
import { hostRunOnNode, hostStepOnNode, JOB_BOOKKEEPING, nodeArrival } from './activity-profiles';

type HostStep =
  | 'changePasswordOnHost'
  | 'verifyPendingPassword'
  | 'verifyCurrentPassword'
  | 'reconcileRecordPassword'
  | 'runCustomCommand'
  | 'updateDependency'
  | 'restorePreviousPasswordOnHost'
  | 'verifyRestoredPassword';

/** The steps of a vault job that reach its host, wherever they run. */
export type HostSteps = { [Step in HostStep]: (...args: Parameters<Activities[Step]>) => ReturnType<Activities[Step]> };

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);

/** An input sealed with the node's key (temporal/payload-converter.ts), so the node can read it and nothing of the master key's reaches it. */
export function sealedFor<T extends object>(nodeName: string, input: T): T & SealedForNode {
  return { ...input, sealedForNode: nodeName };
}

/** Runs a step on the node; a host key it refused is noted centrally, as the local worker notes it, before the step fails. */
async function reportingHostKeys<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === HOST_KEY_MISMATCH_FAILURE) {
      await CancellationScope.nonCancellable(() => bookkeeping.reportHostKeyMismatch(cause.details?.[0] as Parameters<Activities['reportHostKeyMismatch']>[0]));
    }
    throw error;
  }
}

/** Waits until a worker of the node takes work: a job of a node that is away waits for it, still Scheduled. */
export async function awaitNode(nodeName: string): Promise<void> {
  setCurrentDetails(`Waiting for a worker of node ${nodeName} (task queue ${taskQueueForNode(nodeName)})`);
  await proxyActivities<Activities>(nodeArrival(taskQueueForNode(nodeName))).awaitNode(sealedFor(nodeName, {}));
}

/**
 * Remote nodes' jobs that ran a Custom Command, Verify Password or a dependency step before these
 * were planned centrally sent the whole step to the node's queue, for a node worker with the
 * database and the master key, as their histories say.
 */
const PLANNED_STEPS_PATCH = 'node-steps-planned-centrally';

/**
 * The host steps of a remote node's vault job, whose workflow runs on the central queue: the central
 * worker plans each step (credentials included, sealed in its history with the master key), the
 * node's worker carries it out with what it was given, sealed with the node's key, and the central
 * worker records what it reports. The node needs neither the database nor the master key.
 */
export function hostStepsOnNode(nodeName: string): HostSteps {
  const onNode = proxyActivities<Activities>(hostStepOnNode(taskQueueForNode(nodeName)));
  return {
    async changePasswordOnHost({ jobId }) {
      const change = await bookkeeping.planHostChange({ jobId });
      const outcome = await reportingHostKeys(() => onNode.changePasswordOnNode(sealedFor(nodeName, { change })));
      return bookkeeping.recordHostChange({ jobId, label: change.label, outcome });
    },
    async verifyPendingPassword({ jobId }) {
      const login = await bookkeeping.pendingLogin({ jobId });
      const accepted = (await reportingHostKeys(() => onNode.loginOnNode(sealedFor(nodeName, { logins: [login] })))) === 0;
      await bookkeeping.recordPendingLogin({ jobId, accepted });
    },
    async reconcileRecordPassword({ jobId }) {
      const attempts = await bookkeeping.settleAttempts({ jobId });
      const logins = attempts.map(({ login }) => login);
      const accepted = attempts.length ? await reportingHostKeys(() => onNode.loginOnNode(sealedFor(nodeName, { logins }))) : -1;
      return bookkeeping.recordSettle({ jobId, accepted: attempts[accepted]?.password ?? null });
    },
    async verifyCurrentPassword(input) {
      if (!patched(PLANNED_STEPS_PATCH)) return onNode.verifyCurrentPassword(sealedFor(nodeName, input));
      const check = await bookkeeping.planVerify(input);
      const result =
        'login' in check
          ? { accepted: (await reportingHostKeys(() => onNode.loginOnNode(sealedFor(nodeName, { logins: [check.login] })))) === 0 }
          : { label: check.command.label, ...(await reportingHostKeys(() => onNode.runCommandOnNode(sealedFor(nodeName, { command: check.command })))) };
      await bookkeeping.recordVerify({ ...input, result });
    },
    async runCustomCommand(input) {
      if (!patched(PLANNED_STEPS_PATCH)) return onNode.runCustomCommand(sealedFor(nodeName, input));
      const command = await bookkeeping.planCustomCommand(input);
      const outcome = await reportingHostKeys(() => onNode.runCommandOnNode(sealedFor(nodeName, { command })));
      return bookkeeping.recordCustomCommand({ ...input, label: command.label, outcome });
    },
    async updateDependency(input) {
      if (!patched(PLANNED_STEPS_PATCH)) return onNode.updateDependency(sealedFor(nodeName, input));
      const { command, name } = await bookkeeping.planDependencyUpdate(input);
      const outcome = await reportingHostKeys(() => onNode.runCommandOnNode(sealedFor(nodeName, { command })));
      await bookkeeping.recordDependencyUpdate({ ...input, name, label: command.label, outcome });
    },
    async restorePreviousPasswordOnHost(input) {
      if (!patched(PLANNED_STEPS_PATCH)) return onNode.restorePreviousPasswordOnHost(sealedFor(nodeName, input));
      const change = await bookkeeping.planRestore(input);
      const outcome = await reportingHostKeys(() => onNode.changePasswordOnNode(sealedFor(nodeName, { change })));
      await bookkeeping.recordRestore({ ...input, outcome });
    },
    async verifyRestoredPassword(input) {
      if (!patched(PLANNED_STEPS_PATCH)) return onNode.verifyRestoredPassword(sealedFor(nodeName, input));
      const login = await bookkeeping.restoredLogin(input);
      const accepted = (await reportingHostKeys(() => onNode.loginOnNode(sealedFor(nodeName, { logins: [login] })))) === 0;
      await bookkeeping.recordRestoredLogin({ ...input, accepted });
    },
  };
}

/** The SSH work of a client task job whose system a remote node reaches. */
export interface ClientStepsOnNode {
  /** Null when the system answers SSH from the node, else why not. */
  probe(address: { host: string; port: number }): Promise<string | null>;
  /** Runs the job's task there within its limit; returns the job's one-line result. */
  run(jobId: string, limitMs: number): Promise<string>;
}

/**
 * As for a vault job's host steps: the central worker plans the run (the system's login included,
 * sealed in its history with the master key), the node carries it out with only what it was given,
 * sealed with the node's key, and the central worker keeps what it reports on the job and the system.
 */
export function clientStepsOnNode(nodeName: string): ClientStepsOnNode {
  const queue = taskQueueForNode(nodeName);
  return {
    probe: (address) => proxyActivities<Activities>(hostStepOnNode(queue)).probeSystemOnNode(sealedFor(nodeName, { address })),
    async run(jobId, limitMs) {
      const run = await bookkeeping.planClientTaskOnNode({ jobId });
      const onNode = proxyActivities<Activities>(hostRunOnNode(limitMs, queue));
      const result = await reportingHostKeys(() => onNode.runClientTaskOnNode(sealedFor(nodeName, { run })));
      return bookkeeping.recordClientTaskFromNode({ jobId, result });
    },
  };
}
