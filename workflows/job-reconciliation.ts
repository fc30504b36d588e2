import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { taskQueueForNode } from '../lib/nodes';
import { RECONCILIATION, RECONCILIATION_SWEEP, sweepOnNode } from './activity-profiles';

/** Reconciliations started before assignment schedules existed do not look for them. */
const ASSIGNMENT_SCHEDULES_PATCH = 'ensure-assignment-schedules';
/** Reconciliations started before pending passwords were settled do not settle them. */
const PENDING_PASSWORDS_PATCH = 'settle-pending-passwords';
/** Reconciliations started before nodes settled at once settle them one after another. */
const NODES_AT_ONCE_PATCH = 'settle-nodes-at-once';

const { ensureAssignmentSchedules, nodesWithPendingPasswords } = proxyActivities<Activities>(RECONCILIATION);
const { reconcileJobsWithTemporal } = proxyActivities<Activities>(RECONCILIATION_SWEEP);

export interface JobReconciliationResult {
  changed: number;
  schedulesStarted?: number;
  pendingPasswordsSettled?: number;
}

/**
 * Run by the `steward-job-reconciliation` schedule: jobs whose workflows were terminated get a
 * final state, assignments that should be scheduled but are not get their schedule back, and
 * pending passwords that rotations left unsettled are settled.
 */
export async function jobReconciliation(): Promise<JobReconciliationResult> {
  const changed = await reconcileJobsWithTemporal();
  if (!patched(ASSIGNMENT_SCHEDULES_PATCH)) return { changed };
  const schedulesStarted = await ensureAssignmentSchedules();
  if (!patched(PENDING_PASSWORDS_PATCH)) return { changed, schedulesStarted };
  return { changed, schedulesStarted, pendingPasswordsSettled: await settlePendingPasswords() };
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
