import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordSession, VaultRecord } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { ConflictError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';

/**
 * Sessions on records, as a session broker reports them. Sessions are counted per group: a
 * record, the record it references, and every record referencing either.
 */
export class SessionService {
  constructor(private readonly em: EntityManager) {}

  async start(actor: Actor, recordId: string, subject?: string | null): Promise<RecordSession> {
    const record = await findByIdOrNotFound(this.em, VaultRecord, recordId, 'Record');
    const session = this.em.create(RecordSession, { record, subject: subject ?? null, startedAt: new Date() });
    addAuditEvent(this.em, { actor, action: 'startSession', target: { type: 'Record', id: record.id }, outcome: AuditOutcome.SUCCESS, details: { sessionId: session.id } });
    await this.em.flush();
    return session;
  }

  /** Ends a session; returns it with its record. */
  async end(actor: Actor, sessionId: string): Promise<RecordSession> {
    const session = await findByIdOrNotFound(this.em, RecordSession, sessionId, 'Session');
    if (session.endedAt) throw new ConflictError('The session already ended');
    session.endedAt = new Date();
    addAuditEvent(this.em, { actor, action: 'endSession', target: { type: 'Record', id: session.record.id }, outcome: AuditOutcome.SUCCESS, details: { sessionId } });
    await this.em.flush();
    return session;
  }

  /** The records whose sessions count together with this one's. */
  async group(recordId: string): Promise<string[]> {
    const record = await this.em.findOneOrFail(VaultRecord, { id: recordId });
    const roots = [record.id, ...(record.referencedRecord ? [record.referencedRecord.id] : [])];
    const sharing = await this.em.find(VaultRecord, { referencedRecord: { $in: roots } });
    return [...new Set([...roots, ...sharing.map((other) => other.id)])];
  }

  async activeCount(recordId: string): Promise<number> {
    return this.em.count(RecordSession, { record: { $in: await this.group(recordId) }, endedAt: null });
  }

  active(recordId: string): Promise<RecordSession[]> {
    return this.em.find(RecordSession, { record: recordId, endedAt: null }, { orderBy: { startedAt: 'asc' } });
  }
}
