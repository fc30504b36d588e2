import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { jobReconciliation } from '../workflows';

export const JOB_RECONCILIATION_SCHEDULE = 'steward-job-reconciliation';

/**
 * Every minute, jobs whose workflows ended without telling Steward (terminated in the Temporal
 * UI or CLI, timed out) get their final state in Job History. Created once; later calls keep it.
 */
export async function ensureJobReconciliationSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: JOB_RECONCILIATION_SCHEDULE,
      spec: { intervals: [{ every: '1 minute' }] },
      action: { type: 'startWorkflow', workflowType: jobReconciliation, taskQueue, workflowId: 'steward-job-reconciliation' },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: { note: 'Brings Job History in line with Temporal for terminated or timed-out jobs.' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
