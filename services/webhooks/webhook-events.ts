import type { EntityManager } from '@mikro-orm/postgresql';
import { ClientRun, EngineCommandKind, FINAL_JOB_STATES, Job, JobState, type JobState as JobStateType, Webhook, WebhookDelivery, WebhookEvent } from '../../db/entities';
import type { EngineOutbox } from '../jobs/engine-outbox';

/** The workflow that sends a delivery. */
export function webhookDeliveryWorkflowId(deliveryId: string): string {
  return `webhook-delivery-${deliveryId}`;
}

const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

/**
 * Turns events into deliveries in the caller's unit of work: a delivery row for each enabled
 * webhook that wants the event, and the outbox command that starts its workflow, so they commit
 * with the change or not at all. The payload is fixed here, at the event: IDs, states, names and
 * times only (never a secret, a job's result text or its output), and every try sends the same.
 */
export class WebhookEvents {
  constructor(private readonly outbox: EngineOutbox) {}

  async emit(em: EntityManager, event: WebhookEvent, data: Record<string, unknown>, jobState?: JobStateType): Promise<void> {
    const webhooks = await em.find(Webhook, { enabled: true });
    for (const webhook of webhooks) {
      if (!webhook.events.includes(event)) continue;
      if (jobState && webhook.jobStates.length && !webhook.jobStates.includes(jobState)) continue;
      this.deliver(em, webhook, event, data);
    }
  }

  /** One delivery to one webhook, whatever it subscribed to (testWebhook's PING). */
  deliver(em: EntityManager, webhook: Webhook, event: WebhookEvent, data: Record<string, unknown>): WebhookDelivery {
    const delivery = em.create(WebhookDelivery, { webhook, event, payload: data });
    this.outbox.add(em, { kind: EngineCommandKind.START_WEBHOOK_DELIVERY, workflowId: webhookDeliveryWorkflowId(delivery.id), subjectId: delivery.id });
    return delivery;
  }

  /**
   * A job reached its final state in `em`'s transaction. For a client run's job this also tells
   * whether it was the run's last: the run's row is locked first, so of two jobs ending at once
   * the second counts after the first committed, and exactly one of them reports the run.
   */
  async jobFinished(em: EntityManager, job: Job): Promise<void> {
    await this.emit(em, WebhookEvent.JOB_FINISHED, { job: jobSummary(job) }, job.state);
    if (!job.run) return;
    await em.execute('select 1 from "client_runs" where "id" = ? for update', [job.run.id]);
    const open = await em.count(Job, { run: job.run.id, id: { $ne: job.id }, state: { $nin: [...FINAL_JOB_STATES] } });
    if (!open) await this.clientRunFinished(em, job.run.id, job);
  }

  /** Every job of the run has ended; `ending` is the one ending in this transaction, not yet written. */
  async clientRunFinished(em: EntityManager, runId: string, ending?: Job): Promise<void> {
    const run = await em.findOne(ClientRun, { id: runId });
    if (!run) return;
    const rows: { state: string; count: string }[] = await em.execute(
      'select "state", count(*) as "count" from "jobs" where "run_id" = ? and "id" <> ? group by 1',
      [runId, ending?.id ?? runId],
    );
    const counts: Record<string, number> = {};
    for (const { state, count } of rows) counts[state] = Number(count);
    if (ending) counts[ending.state] = (counts[ending.state] ?? 0) + 1;
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    await this.emit(em, WebhookEvent.CLIENT_RUN_FINISHED, {
      clientRun: { id: run.id, clientTaskId: run.clientTask?.id ?? null, taskName: run.taskName, trigger: run.trigger, firedAt: iso(run.firedAt), cancelledAt: iso(run.cancelledAt) },
      jobCounts: { total, completed: counts[JobState.COMPLETED] ?? 0, error: counts[JobState.ERROR] ?? 0, cancelled: counts[JobState.CANCELLED] ?? 0, incompatible: counts[JobState.INCOMPATIBLE] ?? 0 },
    });
  }
}

function jobSummary(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    type: job.type,
    state: job.state,
    taskName: job.taskName,
    recordId: job.record?.id ?? null,
    taskId: job.task?.id ?? null,
    systemId: job.system?.id ?? null,
    clientTaskId: job.clientTask?.id ?? null,
    clientRunId: job.run?.id ?? null,
    nodeName: job.nodeName,
    workflowId: job.workflowId,
    scheduledFor: iso(job.scheduledFor),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}
