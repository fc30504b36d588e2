import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Job, Task, VaultRecord } from '../db/entities';
import { taskQueueForNode } from '../lib/nodes';
import { JobState } from '../lib/enums';
import type { JobLauncher, WorkflowStatus } from '../services/ports';
import { SCRIPT_LIBRARY } from '../services/vault/script-library';
import { runNowSignal, sessionsChangedSignal, vaultTaskJob } from '../workflows';
import { JOB_STATE, JOB_TYPE, NODE_NAME, RECORD_ID, TASK_ID } from '../workflows/search-attributes';

/** Starts each job as its own workflow, named by its business ID and described for the Temporal UI. */
export class TemporalJobLauncher implements JobLauncher {
  constructor(private readonly client: Client) {}

  async launch(job: Job, record: VaultRecord, task: Task): Promise<string> {
    const taskQueue = taskQueueForNode(job.nodeName);
    const script = SCRIPT_LIBRARY[task.script].name;
    await this.client.workflow.start(vaultTaskJob, {
      workflowId: job.workflowId,
      taskQueue,
      args: [{ jobId: job.id }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: RECORD_ID, value: record.id },
        { key: TASK_ID, value: task.id },
        { key: NODE_NAME, value: job.nodeName },
        { key: JOB_TYPE, value: job.type },
        { key: JOB_STATE, value: JobState.SCHEDULED },
      ],
      staticSummary: `${task.name} on ${record.name} (${job.type.replace('_', ' ').toLowerCase()})`,
      staticDetails: [
        `**Script:** ${script}`,
        `**Record:** ${record.name}, account \`${record.username}\` on \`${record.host}:${record.port}\``,
        `**Node:** ${job.nodeName}`,
        `**Steward job:** ${job.id}`,
      ].join('\n\n'),
    });
    return taskQueue;
  }

  async runNow(job: Job): Promise<void> {
    await this.client.workflow.getHandle(job.workflowId).signal(runNowSignal);
  }

  async notifySessionsChanged(job: Job): Promise<void> {
    await this.client.workflow.getHandle(job.workflowId).signal(sessionsChangedSignal);
  }

  async cancel(job: Job): Promise<void> {
    await this.client.workflow.getHandle(job.workflowId).cancel();
  }

  status(job: Job): Promise<WorkflowStatus> {
    return this.workflowStatus(job.workflowId);
  }

  async workflowStatus(workflowId: string): Promise<WorkflowStatus> {
    try {
      const description = await this.client.workflow.getHandle(workflowId).describe();
      const name = description.status.name;
      // A paused or not yet known workflow is still open.
      return name === 'UNSPECIFIED' || name === 'PAUSED' || name === 'UNKNOWN' ? 'RUNNING' : name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw error;
    }
  }
}
