import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent, AuditOutcome, type User } from '../../db/entities';
import { noteFailureAudited } from './audit-scope';

export interface Actor {
  id: string | null;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { id: null, name: 'system' };

export function actorOf(user: User): Actor {
  return { id: user.id, name: user.username };
}

export interface AuditEntry {
  actor: Actor;
  action: string;
  /** The object acted on; its type may be unknown to a caller that only has an ID (a failed mutation's input). */
  target?: { type?: string; id: string };
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
}

/**
 * Adds an entry to the append-only audit log in the caller's unit of work, so it commits or rolls
 * back with the change. Never put a secret in `details`.
 */
export function addAuditEvent(em: EntityManager, entry: AuditEntry): AuditEvent {
  return em.create(AuditEvent, {
    actorId: entry.actor.id,
    actorName: entry.actor.name,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    outcome: entry.outcome,
    details: entry.details ?? null,
  });
}

/** Writes the entry on its own, for outcomes whose change was rolled back (failures). */
export async function recordAuditEventNow(em: EntityManager, entry: AuditEntry): Promise<void> {
  const own = em.fork();
  addAuditEvent(own, entry);
  await own.flush();
  noteFailureAudited();
}
