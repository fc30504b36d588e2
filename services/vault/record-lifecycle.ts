import type { RecordSession, User, VaultRecord } from '../../db/entities';
import { PolicyEvent, RecordPermission, TargetRecord } from '../../lib/enums';
import { actorOf } from '../shared/audit';
import type { RecordAccess } from './record-access';
import type { RecordChanges, RecordSpec } from './record-service';
import type { RevealedPassword } from './revealed-password';
import type { SessionService } from './session-service';
import type { InVaultTransaction, VaultScope } from './vault-transaction';

/**
 * What happens to a record, and the policy events it fires: creating or updating it (After
 * creating or updating a record, and its recurring schedule), revealing its password by unlock or
 * check-out (n minutes after unlock), sessions ending (After Session), deleting it (its open jobs
 * are cancelled first). Changing and deleting need Edit on the record, unlocking needs Unlock.
 * Each change commits in one transaction with the jobs it causes, so none is lost to a crash.
 */
export class RecordLifecycle {
  constructor(
    private readonly access: RecordAccess,
    private readonly sessions: SessionService,
    private readonly inTransaction: InVaultTransaction,
  ) {}

  async create(user: User, spec: RecordSpec): Promise<VaultRecord> {
    return this.inTransaction(async ({ records, scheduler }) => {
      const record = await records.createRecord(actorOf(user), spec);
      await scheduler.rescheduleRecord(record.id, 'the record was created');
      await scheduler.fireEvent(record, PolicyEvent.AFTER_RECORD_CHANGE, new Date(), `${user.username} created the record`);
      return record;
    });
  }

  /**
   * A new referenced record needs Edit on it too: a reset here overwrites its password. When a
   * task of the record targets its referenced record, that task's jobs run the new record's task
   * from then on, so the change also needs Task Control: Manage on it, as saving such a task does.
   */
  async update(user: User, recordId: string, changes: RecordChanges, version: number): Promise<VaultRecord> {
    return this.inTransaction(async ({ access, records, scheduler }) => {
      const current = await access.require(user, recordId, RecordPermission.EDIT);
      if (changes.referencedRecordId) {
        await access.assertOnOther(user, changes.referencedRecordId, RecordPermission.EDIT, 'referenced record');
        const targetsReferenced = (await records.tasksOf(current)).some((task) => task.targetRecord === TargetRecord.REFERENCED);
        if (targetsReferenced) await access.assertOnOther(user, changes.referencedRecordId, RecordPermission.TASK_CONTROL_MANAGE, 'target record');
      }
      const record = await records.updateRecord(actorOf(user), recordId, changes, version);
      await scheduler.rescheduleRecord(record.id, 'the record was updated');
      await scheduler.fireEvent(record, PolicyEvent.AFTER_RECORD_CHANGE, new Date(), `${user.username} updated the record`);
      return record;
    });
  }

  async delete(user: User, recordId: string): Promise<void> {
    await this.inTransaction(async ({ access, records, scheduler }) => {
      const record = await access.require(user, recordId, RecordPermission.EDIT);
      await scheduler.cancelOpenJobs(record.id, 'the record was deleted');
      await records.deleteRecord(actorOf(user), record.id);
    });
  }

  async startSession(user: User, recordId: string, subject?: string | null): Promise<RecordSession> {
    return this.sessions.start(user, recordId, subject);
  }

  /** Fires the record's After Session tasks, and wakes deferred jobs in its group. */
  async endSession(user: User, sessionId: string): Promise<RecordSession> {
    return this.inTransaction(async ({ records, scheduler, sessions }) => {
      const session = await sessions.end(user, sessionId);
      const record = await records.getRecord(session.record.id);
      await scheduler.onSessionEnded(record, await sessions.group(record.id));
      return session;
    });
  }

  async unlock(user: User, recordId: string, reason?: string | null): Promise<RevealedPassword> {
    return this.inTransaction(async (scope) => {
      await scope.access.require(user, recordId, RecordPermission.UNLOCK);
      return this.reveal(scope, user, recordId, reason);
    });
  }

  /**
   * Reveals the password, audited, and fires After Unlock, in the caller's transaction: for
   * unlockRecord and check-out alike. Callers check the right to it.
   */
  async reveal({ records, scheduler }: VaultScope, user: User, recordId: string, reason?: string | null): Promise<RevealedPassword> {
    const revealed = await records.unlockRecord(actorOf(user), recordId, reason);
    await scheduler.onUnlock(await records.getRecord(recordId), user.username);
    return revealed;
  }
}
