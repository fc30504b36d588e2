import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordSession, VaultRecord } from '../../db/entities';
import { type Actor, AuditService } from '../shared/audit-service';
import { ConflictError, NotFoundError } from '../shared/errors';
import { assertId } from '../shared/validation';

/**
 * Sessions on records, as a session broker reports them. Sessions are counted per group: a
 * record, the record it references, and every record referencing either.
 */
export class SessionService {
  constructor(private readonly em: EntityManager) {}

  async start(actor: Actor, recordId: string, subject?: string | null): Promise<RecordSession> {
    assertId(recordId, 'Record');
    const record = await this.em.findOne(VaultRecord, { id: recordId });
    if (!record) throw new NotFoundError('Record', recordId);
    const session = this.em.create(RecordSession, { record, subject: subject ?? null, startedAt: new Date() });
    new AuditService(this.em).add({ actor, action: 'startSession', target: { type: 'Record', id: record.id }, outcome: AuditOutcome.SUCCESS, details: { sessionId: session.id } });
    await this.em.flush();
    return session;
  }

  /** Ends a session; returns it with its record. */
  async end(actor: Actor, sessionId: string): Promise<RecordSession> {
    assertId(sessionId, 'Session');
    const session = await this.em.findOne(RecordSession, { id: sessionId });
    if (!session) throw new NotFoundError('Session', sessionId);
    if (session.endedAt) throw new ConflictError('The session already ended');
    session.endedAt = new Date();
    new AuditService(this.em).add({ actor, action: 'endSession', target: { type: 'Record', id: session.record.id }, outcome: AuditOutcome.SUCCESS, details: { sessionId } });
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
