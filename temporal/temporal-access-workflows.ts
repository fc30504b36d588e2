import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { AccessRequest } from '../db/entities';
import { taskQueueForNode, LOCAL_NODE } from '../lib/nodes';
import type { AccessWorkflows } from '../services/ports';
import { accessApprovedSignal, accessCheckedInSignal, accessDeniedSignal, accessRequest } from '../workflows';
import { ifStillThere, startedOnce } from './idempotent-calls';

/** Access requests as workflows on the local node's queue, `access-request-<id>`. */
export class TemporalAccessWorkflows implements AccessWorkflows {
  constructor(private readonly client: Client) {}

  async start(request: AccessRequest): Promise<void> {
    await startedOnce(this.client, () =>
      this.client.workflow.start(accessRequest, {
        workflowId: request.workflowId,
        taskQueue: taskQueueForNode(LOCAL_NODE),
        args: [{ requestId: request.id }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `Access request on record ${request.record.id}`,
      }),
    );
  }

  async approved(workflowId: string, expiresAt: Date): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(workflowId).signal(accessApprovedSignal, { expiresAt: expiresAt.toISOString() }));
  }

  async denied(workflowId: string): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(workflowId).signal(accessDeniedSignal));
  }

  async checkedIn(workflowId: string): Promise<void> {
    await ifStillThere(this.client, () => this.client.workflow.getHandle(workflowId).signal(accessCheckedInSignal));
  }
}
