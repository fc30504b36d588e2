import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { ClientRun } from '../db/entities';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import { ASSIGNMENT_SCHEDULE_PREFIX, assignmentScheduleWorkflowId } from '../lib/workflow-ids';
import type { ClientWorkflows } from '../services/ports';
import { assignmentSchedule, clientRun, scheduleChangedSignal } from '../workflows';
import { TASK_ID } from '../workflows/search-attributes';
import { ifStillThere, startedOnce } from './idempotent-calls';

/** Client task runs and assignment schedules as workflows on the local node's queue. */
export class TemporalClientWorkflows implements ClientWorkflows {
  constructor(
    private readonly client: Client,
    /** How many jobs of one run may be in progress at once; unset, the run workflow's default. */
    private readonly maxConcurrentJobs?: number,
  ) {}

  async startRun(run: ClientRun): Promise<void> {
    // A retried firing, or a redelivered outbox command, finds its run already started.
    await startedOnce(this.client, () =>
      this.client.workflow.start(clientRun, {
        workflowId: run.workflowId,
        taskQueue: taskQueueForNode(LOCAL_NODE),
        args: [{ runId: run.id, nodeName: LOCAL_NODE, maxConcurrentJobs: this.maxConcurrentJobs }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: run.clientTask ? [{ key: TASK_ID, value: run.clientTask.id }] : [],
        staticSummary: `${run.taskName}: ${run.trigger === 'RUN_NOW' ? 'Run Now' : 'scheduled run'} ${run.id}`,
      }),
    );
  }

  async cancelRun(workflowId: string): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(workflowId).cancel());
  }

  async stopSchedule(assignmentId: string): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(assignmentScheduleWorkflowId(assignmentId)).cancel());
  }

  async runningSchedules(): Promise<Set<string>> {
    const running = new Set<string>();
    for await (const execution of this.client.workflow.list({ query: `WorkflowType = 'assignmentSchedule' AND ExecutionStatus = 'Running'` })) {
      running.add(execution.workflowId.slice(ASSIGNMENT_SCHEDULE_PREFIX.length));
    }
    return running;
  }

  async scheduleChanged(assignmentId: string): Promise<void> {
    await this.client.workflow.signalWithStart(assignmentSchedule, {
      workflowId: assignmentScheduleWorkflowId(assignmentId),
      taskQueue: taskQueueForNode(LOCAL_NODE),
      args: [{ assignmentId }],
      signal: scheduleChangedSignal,
      signalArgs: [],
      staticSummary: `Schedule of client task assignment ${assignmentId}`,
    });
  }
}
