import { type Client, type WorkflowExecutionInfo, type WorkflowExecutionStatusName, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Job, Task, VaultRecord } from '../db/entities';
import { forEachAtMost } from '../lib/concurrency';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import { JobState } from '../lib/enums';
import type { JobLauncher, WorkflowStatus } from '../services/ports';
import { SCRIPT_LIBRARY } from '../services/vault/script-library';
import { runNowSignal, sessionsChangedSignal, vaultTaskJob } from '../workflows';
import { JOB_STATE, JOB_TYPE, NODE_NAME, RECORD_ID, TASK_ID } from '../workflows/search-attributes';
import { ifStillThere, startedOnce } from './idempotent-calls';

/** The most executions a visibility page holds (the server's default limit). */
const MAX_PAGE_SIZE = 1_000;
/** Workflows visibility does not list are rare (a lost start, a wiped namespace), but a disaster may leave many: describe a few at once. */
const DESCRIBES_AT_ONCE = 16;

/** A paused or not yet known workflow is still open. */
function statusOf(name: WorkflowExecutionStatusName): WorkflowStatus {
  return name === 'UNSPECIFIED' || name === 'PAUSED' || name === 'UNKNOWN' ? 'RUNNING' : name;
}

/** A visibility query for these workflow IDs. Steward's IDs never hold a quote, so quoting them is enough. */
function workflowIdIn(workflowIds: readonly string[]): string {
  const unquotable = workflowIds.find((workflowId) => /['"\\]/.test(workflowId));
  if (unquotable !== undefined) throw new Error(`${JSON.stringify(unquotable)} is not a Steward workflow ID`);
  return `WorkflowId IN (${workflowIds.map((workflowId) => `'${workflowId}'`).join(', ')})`;
}

/** Starts each job as its own workflow, named by its business ID and described for the Temporal UI. */
export class TemporalJobLauncher implements JobLauncher {
  constructor(private readonly client: Client) {}

  async launch(job: Job, record: VaultRecord, task: Task): Promise<string> {
    // Every node's jobs run on the central queue, where the database and master key are; a remote
    // node's worker gets only their host steps, sealed with its key (workflows/node-host-steps.ts).
    const taskQueue = taskQueueForNode(LOCAL_NODE);
    const script = SCRIPT_LIBRARY[task.script].name;
    await startedOnce(this.client, () =>
      this.client.workflow.start(vaultTaskJob, {
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
      }),
    );
    return taskQueue;
  }

  async runNow(workflowId: string): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(workflowId).signal(runNowSignal));
  }

  async notifySessionsChanged(workflowId: string): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(workflowId).signal(sessionsChangedSignal));
  }

  async cancel(workflowId: string): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(workflowId).cancel());
  }

  async workflowStatuses(workflowIds: readonly string[]): Promise<Map<string, WorkflowStatus>> {
    const latest = new Map<string, WorkflowExecutionInfo>();
    if (workflowIds.length) {
      const executions = this.client.workflow.list({ query: workflowIdIn(workflowIds), pageSize: Math.min(workflowIds.length, MAX_PAGE_SIZE) });
      // A reset or continue-as-new leaves earlier runs under the same ID: the latest run is the workflow's state.
      for await (const execution of executions) {
        const seen = latest.get(execution.workflowId);
        if (!seen || execution.startTime > seen.startTime) latest.set(execution.workflowId, execution);
      }
    }
    const statuses = new Map([...latest].map(([workflowId, execution]) => [workflowId, statusOf(execution.status.name)]));
    const unlisted = workflowIds.filter((workflowId) => !latest.has(workflowId));
    await forEachAtMost(unlisted, DESCRIBES_AT_ONCE, async (workflowId) => {
      statuses.set(workflowId, await this.workflowStatus(workflowId));
    });
    return statuses;
  }

  /** One workflow's status, from Temporal itself rather than its visibility store. */
  async workflowStatus(workflowId: string): Promise<WorkflowStatus> {
    try {
      return statusOf((await this.client.workflow.getHandle(workflowId).describe()).status.name);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw error;
    }
  }
}
