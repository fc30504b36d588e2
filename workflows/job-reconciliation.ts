import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import { sealedFor } from './node-host-steps';
import { RECONCILIATION, RECONCILIATION_SWEEP, sweepOnNode } from './activity-profiles';

/** Reconciliations started before assignment schedules existed do not look for them. */
const ASSIGNMENT_SCHEDULES_PATCH = 'ensure-assignment-schedules';
/** Reconciliations started before pending passwords were settled do not settle them. */
const PENDING_PASSWORDS_PATCH = 'settle-pending-passwords';
/** Reconciliations started before nodes settled at once settle them one after another. */
const NODES_AT_ONCE_PATCH = 'settle-nodes-at-once';
/**
 * Reconciliations started before keyless nodes were served sent remote nodes the whole sweep, for
 * a node worker with the database, and left noting nodes as seen to their workers.
 */
const NODE_LOGINS_PATCH = 'keyless-nodes-settled-and-seen';

const { ensureAssignmentSchedules, nodesWithPendingPasswords, noteNodesSeen, planNodeSettles, recordNodeSettles } = proxyActivities<Activities>(RECONCILIATION);
const { reconcileJobsWithTemporal } = proxyActivities<Activities>(RECONCILIATION_SWEEP);

export interface JobReconciliationResult {
  changed: number;
  schedulesStarted?: number;
  pendingPasswordsSettled?: number;
  /** Remote nodes whose workers polled lately, their last poll noted as seen. */
  nodesSeen?: number;
}

/**
 * Run by the `steward-job-reconciliation` schedule: jobs whose workflows were terminated get a
 * final state, assignments that should be scheduled but are not get their schedule back,
 * pending passwords that rotations left unsettled are settled, and remote nodes whose workers
 * polled are noted as seen.
 */
export async function jobReconciliation(): Promise<JobReconciliationResult> {
  const changed = await reconcileJobsWithTemporal();
  if (!patched(ASSIGNMENT_SCHEDULES_PATCH)) return { changed };
  const schedulesStarted = await ensureAssignmentSchedules();
  if (!patched(PENDING_PASSWORDS_PATCH)) return { changed, schedulesStarted };
  const pendingPasswordsSettled = await settlePendingPasswords();
  if (!patched(NODE_LOGINS_PATCH)) return { changed, schedulesStarted, pendingPasswordsSettled };
  return { changed, schedulesStarted, pendingPasswordsSettled, nodesSeen: await noteNodesSeen() };
}

/**
 * Each node settles its own records on its own queue; a node whose worker is away is passed over
 * until the next run. The nodes settle at once, so one away node (a minute until its sweep times
 * out unstarted) holds the run up a minute in all, not a minute per away node.
 */
async function settlePendingPasswords(): Promise<number> {
  const nodes = await nodesWithPendingPasswords();
  const settleOn = async (nodeName: string): Promise<number> => {
    try {
      if (nodeName !== LOCAL_NODE && patched(NODE_LOGINS_PATCH)) return await settleThroughLogins(nodeName);
      return await proxyActivities<Activities>(sweepOnNode(taskQueueForNode(nodeName))).settlePendingPasswords();
    } catch {
      // Its records keep their pending passwords, which unlock already accounts for.
      return 0;
    }
  };
  let settled = 0;
  if (patched(NODES_AT_ONCE_PATCH)) {
    for (const count of await Promise.all(nodes.map(settleOn))) settled += count;
    return settled;
  }
  for (const nodeName of nodes) settled += await settleOn(nodeName);
  return settled;
}

/**
 * A remote node's sweep, for a worker that may hold neither the database nor the master key: the
 * central worker plans the logins, the node tries them (sealed for it), and the central worker
 * keeps whichever password each host accepted.
 */
async function settleThroughLogins(nodeName: string): Promise<number> {
  const plans = await planNodeSettles({ nodeName });
  if (plans.length === 0) return 0;
  const records = plans.map(({ recordId, attempts }) => ({ recordId, logins: attempts.map(({ login }) => login) }));
  const found = await proxyActivities<Activities>(sweepOnNode(taskQueueForNode(nodeName))).settleLoginsOnNode(sealedFor(nodeName, { records }));
  const passwords = new Map(plans.map(({ recordId, attempts }) => [recordId, attempts.map(({ password }) => password)]));
  const answers = found.map(({ recordId, accepted, failure }) => ({ recordId, accepted: passwords.get(recordId)?.[accepted] ?? null, failure }));
  return recordNodeSettles({ answers });
}
