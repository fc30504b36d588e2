import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordSession, ServerSettings, type User, VaultRecord } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type Actor, actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError, NotFoundError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { changeServerSettings } from '../shared/server-settings';

/** The longest a session may be configured to last: a week. */
const MAX_SESSION_MINUTES = 7 * 24 * 60;

/** How often a job deferred until sessions end counts again without being told, at the longest. */
const RECOUNT_AT_LEAST_EVERY_MS = 15 * 60_000;

export interface SessionSettings {
  maxSessionMinutes: number;
  version: number;
}

/** What a job deferred until the last session ends needs to know to wait. */
export interface SessionWait {
  active: number;
  /** When to count again even if no session is reported ending: when the oldest active one runs out, or sooner. */
  recountInMs: number;
}

/**
 * Sessions on records, as a session broker reports them. Sessions are counted per group: a
 * record, the record it references, and every record referencing either. A session counts as
 * ended once it is older than the server's maximum session length, so a lost endSession cannot
 * defer rotations forever. A broker ends only the sessions it started.
 */
export class SessionService {
  constructor(private readonly em: EntityManager) {}

  async start(user: User, recordId: string, subject?: string | null): Promise<RecordSession> {
    const record = await findByIdOrNotFound(this.em, VaultRecord, recordId, 'Record');
    const session = this.em.create(RecordSession, { record, subject: subject ?? null, startedAt: new Date(), startedBy: user.id });
    addAuditEvent(this.em, { actor: actorOf(user), action: 'startSession', target: { type: 'Record', id: record.id }, outcome: AuditOutcome.SUCCESS, details: { sessionId: session.id } });
    await this.em.flush();
    return session;
  }

  /** Ends a session; returns it with its record. A broker's attempt on a session it did not start finds nothing. */
  async end(user: User, sessionId: string): Promise<RecordSession> {
    const session = await findByIdOrNotFound(this.em, RecordSession, sessionId, 'Session');
    if (!user.hasRole(Role.SYSTEM_ADMINISTRATOR) && session.startedBy?.id !== user.id) throw new NotFoundError('Session', sessionId);
    if (session.endedAt) throw new ConflictError('The session already ended');
    session.endedAt = new Date();
    addAuditEvent(this.em, { actor: actorOf(user), action: 'endSession', target: { type: 'Record', id: session.record.id }, outcome: AuditOutcome.SUCCESS, details: { sessionId } });
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

  /** The active sessions in the record's group, and when to count them again at the latest. */
  async waitFor(recordId: string): Promise<SessionWait> {
    const maxMs = await this.maxSessionMs();
    const active = await this.em.find(RecordSession, this.activeIn(await this.group(recordId), maxMs), { orderBy: { startedAt: 'asc' }, fields: ['startedAt'] });
    const oldestRunsOutInMs = active.length ? active[0]!.startedAt.getTime() + maxMs - Date.now() + 1000 : RECOUNT_AT_LEAST_EVERY_MS;
    return { active: active.length, recountInMs: Math.max(1000, Math.min(oldestRunsOutInMs, RECOUNT_AT_LEAST_EVERY_MS)) };
  }

  async active(recordId: string): Promise<RecordSession[]> {
    return this.em.find(RecordSession, this.activeIn([recordId], await this.maxSessionMs()), { orderBy: { startedAt: 'asc' } });
  }

  async settings(): Promise<SessionSettings> {
    const settings = await this.em.findOneOrFail(ServerSettings, { id: 1 });
    return { maxSessionMinutes: settings.sessionMaxMinutes, version: settings.version };
  }

  async updateSettings(actor: Actor, update: SessionSettings): Promise<SessionSettings> {
    if (!Number.isInteger(update.maxSessionMinutes) || update.maxSessionMinutes < 1 || update.maxSessionMinutes > MAX_SESSION_MINUTES) {
      throw new BadInputError(`maxSessionMinutes must be between 1 and ${MAX_SESSION_MINUTES}`, 'maxSessionMinutes');
    }
    const settings = await changeServerSettings(this.em, actor, update.version, 'updateSessionSettings', (changed) => {
      changed.sessionMaxMinutes = update.maxSessionMinutes;
      return { maxSessionMinutes: update.maxSessionMinutes };
    });
    return { maxSessionMinutes: settings.sessionMaxMinutes, version: settings.version };
  }

  private async maxSessionMs(): Promise<number> {
    return (await this.settings()).maxSessionMinutes * 60_000;
  }

  /** Sessions on these records that have not ended, by a report or by running out. */
  private activeIn(recordIds: string[], maxSessionMs: number): FilterQuery<RecordSession> {
    return { record: { $in: recordIds }, endedAt: null, startedAt: { $gt: new Date(Date.now() - maxSessionMs) } };
  }
}
