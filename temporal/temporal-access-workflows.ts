import type { Client } from '@temporalio/client';
import type { AccessRequest } from '../db/entities';
import { taskQueueForNode, LOCAL_NODE } from '../lib/nodes';
import type { AccessWorkflows } from '../services/ports';
import { accessApprovedSignal, accessCheckedInSignal, accessDeniedSignal, accessRequest } from '../workflows';

/** Access requests as workflows on the local node's queue, `access-request-<id>`. */
export class TemporalAccessWorkflows implements AccessWorkflows {
  constructor(private readonly client: Client) {}

  async start(request: AccessRequest): Promise<void> {
    await this.client.workflow.start(accessRequest, {
      workflowId: request.workflowId,
      taskQueue: taskQueueForNode(LOCAL_NODE),
      args: [{ requestId: request.id }],
      staticSummary: `Access request on record ${request.record.id}`,
    });
  }

  async approved(request: AccessRequest): Promise<void> {
    await this.client.workflow.getHandle(request.workflowId).signal(accessApprovedSignal, { expiresAt: request.expiresAt!.toISOString() });
  }

  async denied(request: AccessRequest): Promise<void> {
    await this.client.workflow.getHandle(request.workflowId).signal(accessDeniedSignal);
  }

  async checkedIn(request: AccessRequest): Promise<void> {
    await this.client.workflow.getHandle(request.workflowId).signal(accessCheckedInSignal);
  }
}
