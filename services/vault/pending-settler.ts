import type { EntityManager } from '@mikro-orm/postgresql';
import { LOCAL_NODE } from '../../lib/nodes';
import { PermanentFailure } from '../shared/permanent-failure';
import { reportHostKeyMismatch } from '../systems/host-key-mismatch';
import type { SettleLoginAnswer } from './host-change';
import type { ReconcileOutcome, RotationService, SettleAttempt } from './rotation-service';

/** How long one node's pass may keep starting new records (or, on a remote node, trying logins); the rest wait for the next pass. */
export const PASS_BUDGET_MS = 2 * 60_000;
/** The most records one pass reads. */
const PASS_LIMIT = 500;
/** The most records a remote node's pass is sent: their logins travel in the reconciliation's history. */
const NODE_PASS_LIMIT = 100;

/** A record a remote node settles: the logins to try, each with which password it is. */
export interface NodeSettlePlan {
  recordId: string;
  attempts: SettleAttempt[];
}

/** What the node found for a record: the password the host accepted (null: neither), or that it could not tell. */
export interface NodeSettleAnswer {
  recordId: string;
  accepted: SettleAttempt['password'] | null;
  failure?: SettleLoginAnswer['failure'];
}

/**
 * Records a rotation left with a pending password, due for a try. A record with a running job is
 * left alone: its rotation is in flight and settles itself.
 */
const DUE = `"r"."encrypted_pending_password" is not null
  and ("r"."pending_settle_due_at" is null or "r"."pending_settle_due_at" <= now())
  and not exists (select 1 from "jobs" "j" where "j"."record_id" = "r"."id" and "j"."state" = 'RUNNING')`;
const SETTLING_NODE = `coalesce("r"."pending_node_name", '${LOCAL_NODE}')`;

/**
 * After a failed try, the next waits a minute, doubling each time up to an hour. A permanent
 * failure (the host presents another key than the one pinned) needs a person: a day.
 */
const BACK_OFF = `update "records" set
    "pending_settle_attempts" = "pending_settle_attempts" + 1,
    "pending_settle_due_at" = now() + case when ? then interval '1 day'
      else make_interval(secs => least(60 * power(2, least("pending_settle_attempts", 6)), 3600)) end
  where "id" = ?`;

/**
 * The sweeper for rotations that changed the host but could not settle (the host was unreachable
 * then): it tries both passwords, on a backoff, until one works, so the vault stops guessing.
 */
export class PendingPasswordSettler {
  constructor(
    private readonly em: EntityManager,
    private readonly rotation: RotationService,
  ) {}

  /** The nodes with records to settle now; each settles its own, as it is the one that reaches their hosts. */
  async nodesWithDueRecords(): Promise<string[]> {
    const rows: { node: string }[] = await this.em.execute(`select distinct ${SETTLING_NODE} as "node" from "records" "r" where ${DUE} order by "node"`);
    return rows.map((row) => row.node);
  }

  /** Settles the node's due records, one after another, within a time budget; returns how many settled. */
  async settleDue(nodeName: string, afterEach: () => void = () => undefined, budgetMs = PASS_BUDGET_MS): Promise<number> {
    const deadline = Date.now() + budgetMs;
    const due = await this.dueOn(nodeName, PASS_LIMIT);
    let settled = 0;
    for (const { id } of due) {
      if (Date.now() > deadline) break;
      if (await this.settle(id)) settled++;
      afterEach();
    }
    return settled;
  }

  /**
   * For a remote node, whose worker may hold neither the database nor the master key: the due
   * records' logins, in the order to try them, for the node to try (`settleLogins`).
   */
  async planOnNode(nodeName: string): Promise<NodeSettlePlan[]> {
    const plans: NodeSettlePlan[] = [];
    for (const { id } of await this.dueOn(nodeName, NODE_PASS_LIMIT)) plans.push({ recordId: id, attempts: await this.rotation.settleAttempts(id) });
    return plans.filter((plan) => plan.attempts.length > 0);
  }

  /** Keeps what the node found: the password the host accepted, or a backoff; returns how many settled. */
  async recordFromNode(answers: NodeSettleAnswer[]): Promise<number> {
    let settled = 0;
    for (const { recordId, accepted, failure } of answers) {
      const found = async (): Promise<ReconcileOutcome> => {
        if (failure?.hostKey) {
          await reportHostKeyMismatch(this.em, failure.hostKey);
          throw new PermanentFailure(failure.message);
        }
        return failure ? 'NEITHER_WORKS' : this.rotation.settle(recordId, accepted);
      };
      if (await this.keep(recordId, found)) settled++;
    }
    return settled;
  }

  private dueOn(nodeName: string, limit: number): Promise<{ id: string }[]> {
    return this.em.execute(
      `select "r"."id" from "records" "r" where ${DUE} and ${SETTLING_NODE} = ? order by "r"."pending_settle_due_at" nulls first, "r"."id" limit ?`,
      [nodeName, limit],
    );
  }

  private settle(recordId: string): Promise<boolean> {
    return this.keep(recordId, () => this.rotation.reconcile(recordId));
  }

  /** Keeps what settling found: true when a password was kept; a host that took neither, or a failure, backs the record off. */
  private async keep(recordId: string, settle: () => Promise<ReconcileOutcome>): Promise<boolean> {
    try {
      const outcome = await settle();
      if (outcome !== 'NEITHER_WORKS') return outcome !== 'NOTHING_PENDING';
      await this.backOff(recordId, false);
    } catch (error) {
      // An unreachable host, a changed host key, or a rotation that started meanwhile (its write wins).
      await this.backOff(recordId, error instanceof PermanentFailure);
    } finally {
      // A failed write must not linger in the unit of work and fail the next record's.
      this.em.clear();
    }
    return false;
  }

  private async backOff(recordId: string, permanent: boolean): Promise<void> {
    await this.em.execute(BACK_OFF, [permanent, recordId]);
  }
}
