import type { EntityManager } from '@mikro-orm/postgresql';
import { AccessRequest, ClientRun, EngineCommand, EngineCommandKind, FINAL_JOB_STATES, Job, JobEvent, JobEventKind, Task, VaultRecord } from '../../db/entities';
import type { ServicePorts } from '../ports';

export interface EngineCommandSpec {
  kind: EngineCommandKind;
  workflowId: string;
  subjectId: string;
  /** Not to be delivered before then (a job's start, by the due-time dispatcher); at once when omitted. */
  dueAt?: Date;
}

type Delivery = 'DELIVERED' | 'SKIPPED' | 'FAILED';

interface PendingRow {
  id: string;
  kind: EngineCommandKind;
  workflow_id: string;
  subject_id: string;
  attempts: number;
}

/** How long a mutation waits for its commands to reach Temporal before it answers anyway. */
const DELIVER_SOON_BUDGET_MS = 2_000;
/** Short: while Temporal is away a pass tries only the first due command, so retrying often costs little. */
const MAX_BACKOFF_MS = 10_000;
/** Longer than a Temporal call may take (temporal/idempotent-calls.ts); a claim of a process that died lapses after it. */
const CLAIM_MS = 30_000;
/** While Temporal is away each delivery waits out its call's deadline; a process sends only a few at once. */
const MAX_DELIVERIES_IN_FLIGHT = 3;
let deliveriesInFlight = 0;
/**
 * After a failed delivery, a process stands aside until the command's backoff has passed and this
 * much more. Otherwise the process that failed, whose relay wakes in step with the backoff, is
 * always first to try again: an API cut off from Temporal would keep taking every command from
 * the workers that can deliver it.
 */
const STAND_ASIDE_MS = 1_500;
/** Per set of ports (one Temporal client): until when this process leaves deliveries to others. */
const standingAsideUntil = new WeakMap<object, number>();

/** Resolves once this process has no delivery in flight, so its Temporal connection can close. */
export async function deliveriesSettled(): Promise<void> {
  const deadline = Date.now() + CLAIM_MS;
  while (deliveriesInFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A command's row: due at once (the database's clock) unless a later time is given. */
function commandRow({ dueAt, ...command }: EngineCommandSpec) {
  return { ...command, ...(dueAt ? { dueAt, nextAttemptAt: dueAt } : {}) };
}

/** Only rows whose workflow has no older undelivered command: one workflow's commands go in order. */
const NEXT_IN_ORDER = `"delivered_at" is null and not exists (
  select 1 from "engine_outbox" "earlier" where "earlier"."workflow_id" = "engine_outbox"."workflow_id" and "earlier"."delivered_at" is null and "earlier"."id" < "engine_outbox"."id")`;

/**
 * The hand-off to the durable engine. A change that must start, signal or cancel a workflow adds
 * its command to its own unit of work (`add`), so both commit or neither does. Commands are then
 * delivered, oldest first and in order per workflow, at once after the commit (`deliverSoon`)
 * and by the relay every process runs (`deliverDue`), retried with backoff while Temporal is
 * away. Delivering twice is harmless: every port call is idempotent.
 */
export class EngineOutbox {
  constructor(
    private readonly em: EntityManager,
    private readonly ports: Pick<ServicePorts, 'launcher' | 'clientWorkflows' | 'accessWorkflows' | 'webhooks'>,
  ) {}

  /** The workflows of the commands added through this outbox, to deliver once their transaction has committed. */
  private readonly added = new Set<string>();

  /** Adds the command to the caller's unit of work: it commits, or not, with the change. */
  add(em: EntityManager, command: EngineCommandSpec): void {
    em.create(EngineCommand, commandRow(command));
    this.added.add(command.workflowId);
  }

  /** Inserts many commands at once in the caller's transaction, outside its unit of work; the caller delivers them (a bulk import). */
  async insertMany(em: EntityManager, commands: EngineCommandSpec[]): Promise<void> {
    await em.insertMany(EngineCommand, commands.map(commandRow));
  }

  /** The workflows of every command added through this outbox so far. */
  addedWorkflowIds(): string[] {
    return [...this.added];
  }

  /**
   * After a commit: delivers what is pending for these workflows, within a short bound. A failure
   * or a slow engine leaves the commands queued for the relay; the committed change stands.
   * Inside a transaction it does nothing: its commands are not committed yet, and whoever runs
   * the transaction delivers them after the commit (services/index.ts, vault transactions).
   */
  async deliverSoon(workflowIds: string[]): Promise<void> {
    if (!workflowIds.length || this.em.isInTransaction()) return;
    const inList = workflowIds.map(() => '?').join(', ');
    await this.advanceWaitingStarts(`and "workflow_id" in (${inList})`, workflowIds);
    const rows: { id: string }[] = await this.em.fork().execute(
      `select "id" from "engine_outbox" where "workflow_id" in (${inList}) and "delivered_at" is null and "due_at" <= now() order by "id"`,
      workflowIds,
    );
    const delivering = (async () => {
      for (const { id } of rows) if ((await this.deliverOne(id)) !== 'DELIVERED') return;
    })().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([delivering, new Promise((resolve) => (timer = setTimeout(resolve, DELIVER_SOON_BUDGET_MS)))]);
    clearTimeout(timer);
  }

  /**
   * Delivers up to `limit` due commands; returns how many reached the engine. It stops at the first
   * failure: while Temporal is away the rest would only wait out their deadlines too.
   */
  async deliverDue(limit = 100): Promise<number> {
    await this.advanceWaitingStarts();
    const rows: { id: string }[] = await this.em.fork().execute(
      `select "id" from "engine_outbox" where ${NEXT_IN_ORDER} and "next_attempt_at" <= now() order by "id" limit ?`,
      [limit],
    );
    let delivered = 0;
    for (const { id } of rows) {
      const outcome = await this.deliverOne(id);
      if (outcome === 'FAILED') break;
      if (outcome === 'DELIVERED') delivered++;
    }
    // Temporal answers again: what waits out a backoff from its absence is due now.
    if (delivered > 0) await this.em.fork().execute(`update "engine_outbox" set "next_attempt_at" = now() where "delivered_at" is null and "next_attempt_at" > now() and "due_at" <= now()`);
    return delivered;
  }

  /**
   * A workflow told something (cancel, run now) must exist to hear it: a start still waiting for
   * its time becomes due now when a later command of its workflow is due. Driven from the due
   * commands (few), not from the waiting starts (a week of occurrences).
   */
  private async advanceWaitingStarts(narrowing = '', params: string[] = []): Promise<void> {
    await this.em.fork().execute(
      `update "engine_outbox" set "due_at" = now(), "next_attempt_at" = now()
       where "delivered_at" is null and "due_at" > now() ${narrowing}
         and "workflow_id" in (select "later"."workflow_id" from "engine_outbox" "later" where "later"."delivered_at" is null and "later"."next_attempt_at" <= now() and "later"."due_at" <= now())`,
      params,
    );
  }

  /** Forgets commands delivered more than `olderThanMs` ago; returns how many. */
  async pruneDelivered(olderThanMs = 7 * 86_400_000): Promise<number> {
    const pruned: unknown[] = await this.em.fork().execute(
      `delete from "engine_outbox" where "delivered_at" < now() - (? * interval '1 millisecond') returning "id"`,
      [olderThanMs],
    );
    return pruned.length;
  }

  /**
   * Delivers one command under a short claim, so no other process sends it meanwhile, and without
   * holding a database connection while Temporal answers. SKIPPED: claimed elsewhere, not next in
   * order, or this process is busy or standing aside; FAILED: retried after a backoff.
   */
  private async deliverOne(id: string): Promise<Delivery> {
    if (deliveriesInFlight >= MAX_DELIVERIES_IN_FLIGHT || (standingAsideUntil.get(this.ports) ?? 0) > Date.now()) return 'SKIPPED';
    deliveriesInFlight++;
    try {
      return await this.deliverClaimed(id);
    } finally {
      deliveriesInFlight--;
    }
  }

  private async deliverClaimed(id: string): Promise<Delivery> {
    const em = this.em.fork();
    const [row]: PendingRow[] = await em.execute(
      `update "engine_outbox" set "claimed_until" = now() + (? * interval '1 millisecond')
       where "id" = ? and ("claimed_until" is null or "claimed_until" < now()) and ${NEXT_IN_ORDER} returning *`,
      [CLAIM_MS, id],
    );
    if (!row) return 'SKIPPED';
    let queued: string | undefined;
    try {
      queued = await this.send(em, row);
    } catch (error) {
      const attempts = row.attempts + 1;
      const backoffMs = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** (attempts - 1));
      standingAsideUntil.set(this.ports, Date.now() + backoffMs + STAND_ASIDE_MS);
      await em.execute(
        `update "engine_outbox" set "attempts" = ?, "claimed_until" = null, "next_attempt_at" = now() + (? * interval '1 millisecond'), "last_error" = ? where "id" = ?`,
        [attempts, backoffMs, (error as Error).message.slice(0, 2_000), id],
      );
      return 'FAILED';
    }
    await em.transactional(async (tx) => {
      if (queued) tx.create(JobEvent, { job: row.subject_id, kind: JobEventKind.QUEUED, message: `Sent to task queue ${queued}`, at: new Date() });
      await tx.execute(`update "engine_outbox" set "delivered_at" = now(), "claimed_until" = null, "attempts" = "attempts" + 1, "last_error" = null where "id" = ?`, [id]);
    });
    return 'DELIVERED';
  }

  /** Sends the command; for a job's start, returns the task queue it went to. */
  private async send(em: EntityManager, row: PendingRow): Promise<string | undefined> {
    if (row.kind === EngineCommandKind.START_JOB) return this.startJob(em, row.subject_id);
    await this.tell(em, row);
    return undefined;
  }

  private async tell(em: EntityManager, row: PendingRow): Promise<void> {
    const { launcher, clientWorkflows, accessWorkflows } = this.ports;
    const workflowId = row.workflow_id;
    switch (row.kind) {
      case EngineCommandKind.RUN_JOB_NOW:
        return launcher.runNow(workflowId);
      case EngineCommandKind.CANCEL_JOB:
        return launcher.cancel(workflowId);
      case EngineCommandKind.SESSIONS_CHANGED:
        return launcher.notifySessionsChanged(workflowId);
      case EngineCommandKind.START_ACCESS_REQUEST: {
        const request = await em.findOne(AccessRequest, { id: row.subject_id });
        return request ? accessWorkflows.start(request) : undefined;
      }
      case EngineCommandKind.ACCESS_APPROVED: {
        const request = await em.findOne(AccessRequest, { id: row.subject_id });
        return request?.expiresAt ? accessWorkflows.approved(workflowId, request.expiresAt) : undefined;
      }
      case EngineCommandKind.ACCESS_DENIED:
        return accessWorkflows.denied(workflowId);
      case EngineCommandKind.ACCESS_CHECKED_IN:
        return accessWorkflows.checkedIn(workflowId);
      case EngineCommandKind.START_CLIENT_RUN: {
        const run = await em.findOne(ClientRun, { id: row.subject_id });
        return run && !run.cancelledAt ? clientWorkflows.startRun(run) : undefined;
      }
      case EngineCommandKind.CANCEL_CLIENT_RUN:
        return clientWorkflows.cancelRun(workflowId);
      case EngineCommandKind.ASSIGNMENT_SCHEDULE_CHANGED:
        return clientWorkflows.scheduleChanged(row.subject_id);
      case EngineCommandKind.STOP_ASSIGNMENT_SCHEDULE:
        return clientWorkflows.stopSchedule(row.subject_id);
      case EngineCommandKind.START_WEBHOOK_DELIVERY:
        return this.ports.webhooks.workflows.startDelivery(workflowId, row.subject_id);
    }
  }

  /** A job that ended, or lost its record or task, before its start was delivered needs no workflow. */
  private async startJob(em: EntityManager, jobId: string): Promise<string | undefined> {
    const job = await em.findOne(Job, { id: jobId });
    if (!job?.record || !job.task || FINAL_JOB_STATES.includes(job.state)) return undefined;
    const record = await em.findOne(VaultRecord, { id: job.record.id });
    const task = await em.findOne(Task, { id: job.task.id });
    if (!record || !task) return undefined;
    return this.ports.launcher.launch(job, record, task);
  }
}
