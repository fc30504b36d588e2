import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent, type AuditOutcome } from '../../db/entities';
import { canonicalJson } from '../../lib/canonical-json';
import { BadInputError } from './errors';
import { type Page, type PageRequest, paginateNewestFirst } from './pagination';

/** Every field narrows; each has an index ending in (created_at, id), the page order. */
export interface AuditFilter {
  /** The actor's name: a username, `system` or `anonymous`. */
  actor?: string | null;
  action?: string | null;
  objectType?: string | null;
  objectId?: string | null;
  outcome?: AuditOutcome | null;
  from?: Date | null;
  to?: Date | null;
}

export interface ChainVerification {
  ok: boolean;
  /** The first entry whose hash, sequence or link to the one before does not hold. */
  brokenAt: { id: string | null; sequence: string | null } | null;
  checked: number;
}

export const MAX_EXPORT_LINES = 10_000;
const GENESIS_HASH = '0'.repeat(64);

function whereOf(filter: AuditFilter): FilterQuery<AuditEvent> {
  if (filter.from && filter.to && filter.from > filter.to) throw new BadInputError('from must not be after to', 'from');
  const createdAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
  return {
    ...(filter.actor ? { actorName: filter.actor } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.objectType ? { targetType: filter.objectType } : {}),
    ...(filter.objectId ? { targetId: filter.objectId } : {}),
    ...(filter.outcome ? { outcome: filter.outcome } : {}),
    ...(filter.from || filter.to ? { createdAt } : {}),
  };
}

function exportedEntry(event: AuditEvent): string {
  const { id, sequence, createdAt, actorId, actorName, action, targetType, targetId, outcome, details, previousHash, hash } = event;
  return canonicalJson({ id, sequence, createdAt: createdAt.toISOString(), actorId, actorName, action, targetType, targetId, outcome, details, previousHash, hash });
}

/** Reading, exporting and verifying the audit log (writing is `audit.ts`). */
export class AuditLog {
  constructor(private readonly em: EntityManager) {}

  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEvent>> {
    return paginateNewestFirst(this.em, AuditEvent, whereOf(filter), page);
  }

  /** The matching entries as JSON lines (one canonical object a line), newest first, at most `limit`. */
  async exportJsonLines(filter: AuditFilter, limit: number): Promise<string> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXPORT_LINES) throw new BadInputError(`limit must be between 1 and ${MAX_EXPORT_LINES}`, 'limit');
    const events = await this.em.find(AuditEvent, whereOf(filter), { orderBy: { createdAt: 'desc', id: 'desc' }, limit });
    return events.map((event) => `${exportedEntry(event)}\n`).join('');
  }

  /**
   * Recomputes every entry's hash in sequence order with the same SQL function that sealed it,
   * and checks each links to the one before. An edited entry breaks its own hash; a deleted one
   * breaks the link of the entry after it, or (the newest) the chain head's count.
   */
  async verifyChain(): Promise<ChainVerification> {
    const connection = this.em.getConnection();
    const [broken] = await connection.execute<{ id: string; sequence: string | null }[]>(
      `select id, sequence from (
         select e.id, e.sequence, e.hash, e.previous_hash,
                audit_event_digest(e, e.sequence, e.previous_hash) as digest,
                lag(e.hash) over (order by e.sequence nulls last) as linked_hash,
                lag(e.sequence) over (order by e.sequence nulls last) as linked_sequence
           from audit_events e) chain
        where sequence is null or hash is distinct from digest
           or previous_hash is distinct from coalesce(linked_hash, ?)
           or sequence <> coalesce(linked_sequence, 0) + 1
        order by sequence nulls last limit 1`,
      [GENESIS_HASH],
    );
    const [counts] = await connection.execute<{ checked: string; last: string | null; head: string }[]>(
      `select count(*) as checked, max(sequence)::text as last, (select last_sequence::text from audit_chain_head) as head from audit_events`,
    );
    const checked = Number(counts!.checked);
    if (broken) return { ok: false, brokenAt: { id: broken.id, sequence: broken.sequence === null ? null : String(broken.sequence) }, checked };
    if ((counts!.last ?? '0') !== counts!.head) return { ok: false, brokenAt: { id: null, sequence: counts!.head }, checked };
    return { ok: true, brokenAt: null, checked };
  }
}
