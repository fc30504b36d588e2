import { ActivityFailure, ApplicationFailure, CancellationScope, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { HOST_KEY_MISMATCH_FAILURE, type SealedForNode, taskQueueForNode } from '../lib/nodes';
import { hostStepOnNode, JOB_BOOKKEEPING, nodeArrival } from './activity-profiles';

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
function sealedFor<T extends object>(nodeName: string, input: T): T & SealedForNode {
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
 * The host steps of a remote node's job, whose workflow runs on the central queue: the central
 * worker plans each step (credentials included, sealed in its history with the master key), the
 * node's worker carries it out with what it was given, sealed with the node's key, and the central
 * worker records what it reports. The node needs neither the database nor the master key.
 * Custom commands, Verify Password and record dependencies still read the database where they
 * run: they go to the node's queue as they are, for a node whose worker has both.
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
    verifyCurrentPassword: (input) => onNode.verifyCurrentPassword(sealedFor(nodeName, input)),
    runCustomCommand: (input) => onNode.runCustomCommand(sealedFor(nodeName, input)),
    updateDependency: (input) => onNode.updateDependency(sealedFor(nodeName, input)),
    restorePreviousPasswordOnHost: (input) => onNode.restorePreviousPasswordOnHost(sealedFor(nodeName, input)),
    verifyRestoredPassword: (input) => onNode.verifyRestoredPassword(sealedFor(nodeName, input)),
  };
}
