/**
 * Every activity runs with its job and workflow IDs on each line it logs (infra/logger.ts
 * `withLogContext`), and ends with one line: how long it took, and whether it failed.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { logger, withLogContext } from '../infra/logger';

const JOB_WORKFLOW_ID = /^job-([0-9a-f-]{36})$/;

/** The job an activity call is about: its `jobId` argument, else the job whose workflow calls it. */
function jobIdOf(args: unknown[], workflowId: string | undefined): string | undefined {
  const first = args[0] as { jobId?: unknown } | null | undefined;
  if (typeof first?.jobId === 'string') return first.jobId;
  return workflowId ? JOB_WORKFLOW_ID.exec(workflowId)?.[1] : undefined;
}

export const activityLogContext: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute: (input, next) => {
      const workflowId = ctx.info.workflowExecution?.workflowId;
      const fields = { workflowId, jobId: jobIdOf(input.args, workflowId), activity: ctx.info.activityType };
      return withLogContext(fields, async () => {
        const started = performance.now();
        const durationMs = () => Math.round(performance.now() - started);
        try {
          const result = await next(input);
          logger.info({ durationMs: durationMs(), attempt: ctx.info.attempt }, `activity ${ctx.info.activityType} completed`);
          return result;
        } catch (error) {
          // The message only: activity errors name hosts and users, never the secrets they carry.
          logger.warn({ durationMs: durationMs(), attempt: ctx.info.attempt, error: (error as Error).message }, `activity ${ctx.info.activityType} failed`);
          throw error;
        }
      });
    },
  },
});
