import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { RECONCILIATION } from './activity-profiles';

/** Reconciliations started before assignment schedules existed do not look for them. */
const ASSIGNMENT_SCHEDULES_PATCH = 'ensure-assignment-schedules';

const { reconcileJobsWithTemporal, ensureAssignmentSchedules } = proxyActivities<Activities>(RECONCILIATION);

/**
 * Run by the `steward-job-reconciliation` schedule: jobs whose workflows were terminated get a
 * final state, and assignments that should be scheduled but are not get their schedule back.
 */
export async function jobReconciliation(): Promise<{ changed: number; schedulesStarted?: number }> {
  const changed = await reconcileJobsWithTemporal();
  if (!patched(ASSIGNMENT_SCHEDULES_PATCH)) return { changed };
  return { changed, schedulesStarted: await ensureAssignmentSchedules() };
}
