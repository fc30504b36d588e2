import { ApplicationFailure, Context } from '@temporalio/activity';
import { HostKeyMismatchError, SshAuthenticationError, type SshTarget } from '../infra/ssh';
import { HOST_KEY_MISMATCH_FAILURE, type SealedForNode } from '../lib/nodes';
import { PermanentFailure } from '../services/shared/permanent-failure';
import { hostKeySeen } from '../services/systems/host-key-mismatch';
import {
  changeOnHost,
  commandOnHost,
  firstAcceptedLogin,
  type HostChange,
  type HostChangeOutcome,
  type HostCommand,
  type HostCommandOutcome,
  type SettleLoginAnswer,
  type SettleLogins,
  settleLogins,
} from '../services/vault/host-change';
import { PASS_BUDGET_MS } from '../services/vault/pending-settler';
import type { EndpointRunPlan } from '../services/client-tasks/endpoint';
import { type CentralReach, type NodeRunResult, runOnNode } from '../services/client-tasks/endpoint/node-run';
import { unreachableReason } from '../services/client-tasks/runs/unreachable-systems';
import { liveOutputOf } from '../services/jobs/output-writer';
import { onHost } from './host-work';
import { permanentFailuresAreFinal } from './permanent-failures';

/** Host-key and credential problems do not heal by retrying. */
async function guardedOnNode<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HostKeyMismatchError) {
      throw ApplicationFailure.nonRetryable(error.message, HOST_KEY_MISMATCH_FAILURE, hostKeySeen(error));
    }
    if (error instanceof SshAuthenticationError) throw new PermanentFailure('The host refused the password the vault holds');
    throw error;
  }
}

/**
 * The host steps of a remote node's jobs: they get all they need in their input, sealed with the
 * node's key (temporal/node-codec.ts), and hand back what happened for the central bookkeeping to
 * record. They touch neither the database nor the master key, so a node's worker runs them
 * without either (scripts/worker.ts); every worker serves them. A client task's run reaches the
 * center only for its packages' tarballs and its live output (`central`): through the API on a
 * keyless worker, in the database on a full one.
 */
export function createNodeHostStepActivities(central: CentralReach) {
  return {
    /** Answers once a worker of the node is there: a job waits on it, still Scheduled, while its node is away. */
    async awaitNode(_input: SealedForNode): Promise<void> {},

    async changePasswordOnNode({ change }: SealedForNode & { change: HostChange }): Promise<HostChangeOutcome> {
      return onHost(({ signal }) => permanentFailuresAreFinal(() => guardedOnNode(() => changeOnHost(change, signal))));
    },

    /** Null when the system answers SSH from the node, else why not. */
    async probeSystemOnNode({ address }: SealedForNode & { address: { host: string; port: number } }): Promise<string | null> {
      return unreachableReason(address);
    },

    /** A client task on a system the node reaches, planned centrally; what it learns of the system comes back with its result. */
    async runClientTaskOnNode({ run }: SealedForNode & { run: EndpointRunPlan }): Promise<NodeRunResult> {
      return onHost((host) => permanentFailuresAreFinal(() => guardedOnNode(() => runOnNode(run, host, central))));
    },

    /** A planned command (a Custom Command, a library verify script); its outcome goes back for the central worker to judge. */
    async runCommandOnNode({ command }: SealedForNode & { command: HostCommand }): Promise<HostCommandOutcome> {
      // A Custom Command's lines follow the job live, as they do on the central worker.
      const lines = command.liveOutput ? liveOutputOf(central.outputSink(command.liveOutput), command.liveOutput.jobId, command.secrets) : null;
      return onHost(({ signal, earlierAttempt }) =>
        permanentFailuresAreFinal(() => guardedOnNode(() => commandOnHost(command, signal, { onOutput: lines?.onOutput, earlierAttempt }))),
      ).finally(() => lines?.end());
    },

    /** A reconciliation's sweep of the pending passwords the node's rotations left: which login each host accepts, within the sweep's budget. */
    async settleLoginsOnNode({ records }: SealedForNode & { records: SettleLogins[] }): Promise<SettleLoginAnswer[]> {
      const context = Context.current();
      return settleLogins(records, PASS_BUDGET_MS, () => context.heartbeat());
    },

    /** The index of the first of the logins the host accepts, or -1. */
    async loginOnNode({ logins }: SealedForNode & { logins: SshTarget[] }): Promise<number> {
      return onHost(() => permanentFailuresAreFinal(() => guardedOnNode(() => firstAcceptedLogin(logins))));
    },
  };
}

export type NodeHostStepActivities = ReturnType<typeof createNodeHostStepActivities>;
