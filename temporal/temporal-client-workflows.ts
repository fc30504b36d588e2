import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { ClientRun } from '../db/entities';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import type { ClientWorkflows } from '../services/ports';
import { assignmentSchedule, clientRun, scheduleChangedSignal } from '../workflows';
import { TASK_ID } from '../workflows/search-attributes';

const SCHEDULE_PREFIX = 'assignment-';

/** Client task runs and assignment schedules as workflows on the local node's queue. */
export class TemporalClientWorkflows implements ClientWorkflows {
  constructor(
    private readonly client: Client,
    /** How many jobs of one run may be in progress at once; unset, the run workflow's default. */
    private readonly maxConcurrentJobs?: number,
  ) {}

  async startRun(run: ClientRun): Promise<void> {
    try {
      await this.client.workflow.start(clientRun, {
        workflowId: run.workflowId,
        taskQueue: taskQueueForNode(LOCAL_NODE),
        args: [{ runId: run.id, nodeName: LOCAL_NODE, maxConcurrentJobs: this.maxConcurrentJobs }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: run.clientTask ? [{ key: TASK_ID, value: run.clientTask.id }] : [],
        staticSummary: `${run.taskName}: ${run.trigger === 'RUN_NOW' ? 'Run Now' : 'scheduled run'} ${run.id}`,
      });
    } catch (error) {
      // A retried firing finds its run already started.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  async cancelRun(run: ClientRun): Promise<void> {
    try {
      await this.client.workflow.getHandle(run.workflowId).cancel();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  async stopSchedule(assignmentId: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(`${SCHEDULE_PREFIX}${assignmentId}`).cancel();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  async runningSchedules(): Promise<Set<string>> {
    const running = new Set<string>();
    for await (const execution of this.client.workflow.list({ query: `WorkflowType = 'assignmentSchedule' AND ExecutionStatus = 'Running'` })) {
      running.add(execution.workflowId.slice(SCHEDULE_PREFIX.length));
    }
    return running;
  }

  async scheduleChanged(assignmentId: string): Promise<void> {
    await this.client.workflow.signalWithStart(assignmentSchedule, {
      workflowId: `${SCHEDULE_PREFIX}${assignmentId}`,
      taskQueue: taskQueueForNode(LOCAL_NODE),
      args: [{ assignmentId }],
      signal: scheduleChangedSignal,
      signalArgs: [],
      staticSummary: `Schedule of client task assignment ${assignmentId}`,
    });
  }
}
