import type { RecordSession, User, VaultRecord } from '../../db/entities';
import { PolicyEvent, RecordPermission } from '../../lib/enums';
import { actorOf } from '../shared/audit';
import type { RecordAccess } from './record-access';
import type { RecordChanges, RecordService, RecordSpec } from './record-service';
import type { RevealedPassword } from './revealed-password';
import type { SessionService } from './session-service';
import type { TaskScheduler } from './task-scheduler';

/**
 * What happens to a record, and the policy events it fires: creating or updating it (After
 * creating or updating a record, and its recurring schedule), revealing its password by unlock or
 * check-out (n minutes after unlock), sessions ending (After Session), deleting it (its open jobs
 * are cancelled first). Changing and deleting need Edit on the record, unlocking needs Unlock.
 */
export class RecordLifecycle {
  constructor(
    private readonly access: RecordAccess,
    private readonly records: RecordService,
    private readonly scheduler: TaskScheduler,
    private readonly sessions: SessionService,
  ) {}

  async create(user: User, spec: RecordSpec): Promise<VaultRecord> {
    const record = await this.records.createRecord(actorOf(user), spec);
    await this.scheduler.rescheduleRecord(record.id, 'the record was created');
    await this.scheduler.fireEvent(record, PolicyEvent.AFTER_RECORD_CHANGE, new Date(), `${user.username} created the record`);
    return record;
  }

  /** A new referenced record needs Edit on it too: a reset here overwrites its password. */
  async update(user: User, recordId: string, changes: RecordChanges, version: number): Promise<VaultRecord> {
    await this.access.require(user, recordId, RecordPermission.EDIT);
    if (changes.referencedRecordId) await this.access.assertOnOther(user, changes.referencedRecordId, RecordPermission.EDIT, 'referenced record');
    const record = await this.records.updateRecord(actorOf(user), recordId, changes, version);
    await this.scheduler.rescheduleRecord(record.id, 'the record was updated');
    await this.scheduler.fireEvent(record, PolicyEvent.AFTER_RECORD_CHANGE, new Date(), `${user.username} updated the record`);
    return record;
  }

  async delete(user: User, recordId: string): Promise<void> {
    const record = await this.access.require(user, recordId, RecordPermission.EDIT);
    await this.scheduler.cancelOpenJobs(record.id, 'the record was deleted');
    await this.records.deleteRecord(actorOf(user), record.id);
  }

  async startSession(user: User, recordId: string, subject?: string | null): Promise<RecordSession> {
    return this.sessions.start(user, recordId, subject);
  }

  /** Fires the record's After Session tasks, and wakes deferred jobs in its group. */
  async endSession(user: User, sessionId: string): Promise<RecordSession> {
    const session = await this.sessions.end(user, sessionId);
    const record = await this.records.getRecord(session.record.id);
    await this.scheduler.onSessionEnded(record, await this.sessions.group(record.id));
    return session;
  }

  async unlock(user: User, recordId: string, reason?: string | null): Promise<RevealedPassword> {
    await this.access.require(user, recordId, RecordPermission.UNLOCK);
    return this.reveal(user, recordId, reason);
  }

  /** Reveals the password, audited, and fires After Unlock: for unlockRecord and check-out alike. Callers check the right to it. */
  async reveal(user: User, recordId: string, reason?: string | null): Promise<RevealedPassword> {
    const revealed = await this.records.unlockRecord(actorOf(user), recordId, reason);
    await this.scheduler.onUnlock(await this.records.getRecord(recordId), user.username);
    return revealed;
  }
}
