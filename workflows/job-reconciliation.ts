import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { reconcileJobsWithTemporal } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
});

/** Run by the `steward-job-reconciliation` schedule: jobs whose workflows were terminated get a final state. */
export async function jobReconciliation(): Promise<{ changed: number }> {
  return { changed: await reconcileJobsWithTemporal() };
}
