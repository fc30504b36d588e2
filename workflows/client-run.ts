import {
  type ChildWorkflowHandle,
  condition,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JobState } from '../lib/enums';
import { JOB_LAUNCHING } from './activity-profiles';
import { JOB_STATE, JOB_TYPE, NODE_NAME, SYSTEM_ID, TASK_ID } from './search-attributes';
import { clientTaskJob } from './client-task-job';

export interface ClientRunInput {
  runId: string;
  /** How many of the run's jobs may be in progress at once. */
  maxConcurrentJobs?: number;
  nodeName?: string;
}

/** Unless the run says otherwise (STEWARD_CLIENT_RUN_CONCURRENCY). */
export const DEFAULT_MAX_CONCURRENT_JOBS = 20;
/** Keeps history small: after this many jobs the run continues as new, once its jobs in flight have ended. */
const JOBS_BEFORE_CONTINUE_AS_NEW = 500;

const bookkeeping = proxyActivities<Activities>(JOB_LAUNCHING);

/**
 * One client task run, `client-run-<runId>`: starts each of its jobs (`job-<id>`, a child
 * workflow) when its randomized start time comes, with at most `maxConcurrentJobs` in progress.
 * Cancelling the run cancels its jobs in flight, which stop on their hosts.
 */
export async function clientRun({ runId, maxConcurrentJobs = DEFAULT_MAX_CONCURRENT_JOBS, nodeName = 'local' }: ClientRunInput): Promise<void> {
  const inFlight = new Map<string, ChildWorkflowHandle<typeof clientTaskJob>>();
  let ended = 0;
  let started = 0;
  for (;;) {
    const claim = started < JOBS_BEFORE_CONTINUE_AS_NEW ? await bookkeeping.claimDueClientJobs({ runId, limit: Math.max(0, maxConcurrentJobs - inFlight.size) }) : null;
    for (const job of claim?.jobs ?? []) {
      const child = await startChild(clientTaskJob, {
        workflowId: job.workflowId,
        args: [{ jobId: job.jobId }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: [
          { key: SYSTEM_ID, value: job.systemId },
          { key: TASK_ID, value: job.clientTaskId },
          { key: NODE_NAME, value: nodeName },
          { key: JOB_TYPE, value: job.type },
          { key: JOB_STATE, value: JobState.SCHEDULED },
        ],
        staticSummary: job.summary,
        staticDetails: `**Client task run:** ${runId}\n\n**Steward job:** ${job.jobId}`,
      });
      inFlight.set(job.jobId, child);
      started++;
      // A job that fails has recorded why; the run goes on with the others.
      void child.result().then(
        () => undefined,
        () => undefined,
      ).finally(() => {
        inFlight.delete(job.jobId);
        ended++;
      });
    }
    const waiting = claim?.waiting ?? 0;
    if (!inFlight.size && !waiting && claim) break;
    if (!inFlight.size && started >= JOBS_BEFORE_CONTINUE_AS_NEW) await continueAsNew<typeof clientRun>({ runId, maxConcurrentJobs, nodeName });
    setCurrentDetails(`${inFlight.size} job(s) in progress, ${waiting} waiting for their start time`);
    const endedBefore = ended;
    const untilNextDue = claim?.nextDueAt && inFlight.size < maxConcurrentJobs ? Math.max(0, Date.parse(claim.nextDueAt) - Date.now()) : null;
    if (untilNextDue === 0) continue;
    if (untilNextDue === null) await condition(() => ended !== endedBefore);
    else await condition(() => ended !== endedBefore, untilNextDue);
  }
  setCurrentDetails('Every job of the run has ended');
}
