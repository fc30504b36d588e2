import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent, AuditOutcome, type User } from '../../db/entities';

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
  target?: { type: string; id: string };
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
}

/** Writes the append-only audit log. Never put a secret in `details`. */
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  /** Adds the entry to the caller's unit of work, so it commits or rolls back with the change. */
  add(entry: AuditEntry): AuditEvent {
    const event = this.em.create(AuditEvent, {
      actorId: entry.actor.id,
      actorName: entry.actor.name,
      action: entry.action,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id ?? null,
      outcome: entry.outcome,
      details: entry.details ?? null,
    });
    return event;
  }

  /** Writes the entry on its own, for outcomes whose change was rolled back (failures). */
  async recordNow(entry: AuditEntry): Promise<void> {
    const em = this.em.fork();
    new AuditService(em).add(entry);
    await em.flush();
  }
}
