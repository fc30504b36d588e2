import type { EntityManager } from '@mikro-orm/postgresql';
import { LOCAL_NODE } from '../../lib/nodes';
import { PermanentFailure } from '../shared/permanent-failure';
import type { RotationService } from './rotation-service';

/** How long one node's pass may keep starting new records; the rest wait for the next pass. */
const PASS_BUDGET_MS = 2 * 60_000;
/** The most records one pass reads. */
const PASS_LIMIT = 500;

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
    const due: { id: string }[] = await this.em.execute(
      `select "r"."id" from "records" "r" where ${DUE} and ${SETTLING_NODE} = ? order by "r"."pending_settle_due_at" nulls first, "r"."id" limit ?`,
      [nodeName, PASS_LIMIT],
    );
    let settled = 0;
    for (const { id } of due) {
      if (Date.now() > deadline) break;
      if (await this.settle(id)) settled++;
      afterEach();
    }
    return settled;
  }

  private async settle(recordId: string): Promise<boolean> {
    try {
      const outcome = await this.rotation.reconcile(recordId);
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
