import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ServerSettings } from '../../db/entities';
import { type Actor, addAuditEvent } from './audit';

/**
 * Changes the one server-settings row, if it is still at the `version` the caller read (else
 * CONFLICT), and audits the change in the same transaction. `change` applies it and returns what
 * the audit entry records.
 */
export function changeServerSettings(
  em: EntityManager,
  actor: Actor,
  version: number,
  action: string,
  change: (settings: ServerSettings) => Record<string, unknown>,
): Promise<ServerSettings> {
  return em.transactional(async (tx) => {
    const settings = await tx.findOneOrFail(ServerSettings, { id: 1 }, { lockMode: LockMode.OPTIMISTIC, lockVersion: version });
    const details = change(settings);
    addAuditEvent(tx, { actor, action, target: { type: 'ServerSettings', id: '1' }, outcome: AuditOutcome.SUCCESS, details });
    await tx.flush();
    return settings;
  });
}
