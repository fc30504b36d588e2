import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { taskQueueForNode } from '../lib/nodes';
import { RECONCILIATION, RECONCILIATION_SWEEP, sweepOnNode } from './activity-profiles';

/** Reconciliations started before assignment schedules existed do not look for them. */
const ASSIGNMENT_SCHEDULES_PATCH = 'ensure-assignment-schedules';
/** Reconciliations started before pending passwords were settled do not settle them. */
const PENDING_PASSWORDS_PATCH = 'settle-pending-passwords';

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

/** Each node settles its own records on its own queue; a node whose worker is away is passed over until the next run. */
async function settlePendingPasswords(): Promise<number> {
  let settled = 0;
  for (const nodeName of await nodesWithPendingPasswords()) {
    const onNode = proxyActivities<Activities>(sweepOnNode(taskQueueForNode(nodeName)));
    try {
      settled += await onNode.settlePendingPasswords();
    } catch {
      // Its records keep their pending passwords, which unlock already accounts for.
    }
  }
  return settled;
}
