import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, Job, PasswordHistoryEntry, ScriptKey, Task, VaultRecord } from '../../db/entities';
import { canLogin, HostKeyMismatchError, SshAuthenticationError, type SshTarget, withSshSession } from '../../infra/ssh';
import { execStoppable, execUntilAborted } from '../../infra/stoppable-exec';
import type { JobService } from '../jobs/job-service';
import { addAuditEvent, SYSTEM_ACTOR } from '../shared/audit';
import { PermanentFailure } from '../shared/permanent-failure';
import { generatePassword } from './password-policy';
import { redact } from '../shared/redaction';
import { DEFAULT_PASSWORD_LENGTH } from '../../lib/script-parameters';
import { passwordChangePlan } from './script-library';
import type { ShadowAccounts } from './shadow-accounts';
import type { VaultSecrets } from '../shared/vault-secrets';

export type ReconcileOutcome = 'NOTHING_PENDING' | 'PROMOTED_PENDING' | 'KEPT_CURRENT' | 'NEITHER_WORKS';

/** The change step found the host already accepting the pending password. */
const ALREADY_CHANGED = Symbol('already changed');

export interface HostChangeResult {
  exitCode: number;
  alreadyChanged: boolean;
}

/**
 * The steps of a password rotation. The vault always keeps a password that works on the host:
 * the new one is stored as pending before the host is touched and becomes current only after
 * a login with it succeeds; reconcile settles a rotation that stopped half-way.
 */
export class RotationService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly jobs: JobService,
    private readonly shadows: ShadowAccounts,
  ) {}

  /** Step 1–2: generate by policy and store sealed as pending. */
  async preparePendingPassword(jobId: string): Promise<void> {
    const record = await this.recordOfJob(jobId);
    if (record.encryptedPendingPassword) await this.reconcile(record.id);
    await this.em.refresh(record, { populate: ['encryptedPendingPassword'] });
    const job = await this.em.findOneOrFail(Job, { id: jobId }, { populate: ['task'] });
    const length = job.task?.getEntity().scriptParameters?.passwordLength ?? DEFAULT_PASSWORD_LENGTH;
    this.clearPending(record);
    record.encryptedPendingPassword = this.secrets.seal(record.id, generatePassword({ length }));
    record.pendingPasswordSince = new Date();
    record.pendingNodeName = job.nodeName;
    await this.em.flush();
  }

  /**
   * Step 3: change it on the host, secrets on stdin. Safe to retry: a change already made is
   * detected. Aborting the signal stops the change on a Unix host and throws; whether the host
   * took the new password is then for reconcile to find out. Once the host took it, the vault
   * knows: unlock hands it out until the rotation settles.
   */
  async changePasswordOnHost(jobId: string, signal: AbortSignal): Promise<HostChangeResult> {
    const { job, record, current, pending } = await this.loadRotation(jobId);
    const task = job.task ? await this.em.findOneOrFail(Task, { id: job.task.id }) : null;
    // Before any connection: a shadow account not meant for this host fails the job with nothing sent.
    const shadow = await this.shadows.credentialsFor(task, record);
    const plan = passwordChangePlan(task?.script ?? ScriptKey.PASSWORD_RESET_REMOTE_UNIX, { username: record.username, password: current }, pending, shadow);
    const result = await this.guard(() =>
      this.unlessAlreadyChanged(record, pending, !shadow, () =>
        withSshSession(this.target(record, plan.connectAs.password, plan.connectAs.username), (session) =>
          plan.posixShell
            ? execStoppable(session, plan.command, { stdin: plan.stdin }, { signal, runLabel: job.id })
            : execUntilAborted(session, plan.command, { stdin: plan.stdin }, signal, null),
        ),
      ),
    );
    if (result === ALREADY_CHANGED) {
      await this.hostTookPending(record, true);
      await this.jobs.keepOutput(job.id, { exitCode: 0, output: 'The host already accepts the new password; nothing to change.' });
      return { exitCode: 0, alreadyChanged: true };
    }
    const exitCode = result.exitCode ?? -1;
    const output = redact([result.stdout, result.stderr].filter(Boolean).join('\n').trim(), [current, pending, shadow?.password ?? '']);
    await this.jobs.keepOutput(job.id, { exitCode, output });
    const program = plan.command.replace(/^LC_ALL=C /, '').split(' ')[0];
    if (exitCode !== 0) throw new PermanentFailure(`${program} on ${record.host} exited with code ${exitCode}`);
    await this.hostTookPending(record, true);
    return { exitCode, alreadyChanged: false };
  }

  /**
   * Runs the change, which logs in with the password that works now. Only when the account's own
   * login is refused is the pending password tried, as an earlier attempt may have set it: a
   * rotation never spends a failed login (pam_faillock, fail2ban) on a password the host cannot
   * know yet. A shadow account's login says nothing of the account's password, and repeating
   * its reset sets the same password again.
   */
  private async unlessAlreadyChanged<T>(record: VaultRecord, pending: string, asAccount: boolean, change: () => Promise<T>): Promise<T | typeof ALREADY_CHANGED> {
    try {
      return await change();
    } catch (error) {
      if (asAccount && error instanceof SshAuthenticationError && (await canLogin(this.target(record, pending)))) return ALREADY_CHANGED;
      throw error;
    }
  }

  /** Whether the host took the pending password, as far as the vault knows; bookkeeping only, so it does not bump the record's version. */
  private async hostTookPending(record: VaultRecord, taken: boolean): Promise<void> {
    await this.em.nativeUpdate(VaultRecord, { id: record.id }, { pendingAcceptedAt: taken ? new Date() : null });
  }

  /** Step 4: log in with the new password. */
  async verifyPendingPassword(jobId: string): Promise<void> {
    const { record, pending } = await this.loadRotation(jobId);
    if (!(await this.tryLogin(record, pending))) {
      // Refused just now: settling tries the current password first.
      await this.hostTookPending(record, false);
      throw new PermanentFailure(`${record.host} does not accept the new password for ${record.username}`);
    }
  }

  /** The Verify Password script: does the host accept the password the vault holds? */
  async verifyCurrentPassword(jobId: string): Promise<void> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPassword'], refresh: true });
    if (!(await this.tryLogin(record, this.secrets.open(record.id, record.encryptedPassword)))) {
      throw new PermanentFailure(`${record.host} refused the password the vault holds for ${record.username}`);
    }
  }

  /** Step 5: pending becomes current; the previous password goes to history. */
  async promotePendingPassword(jobId: string): Promise<void> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    await this.em.transactional(async (em) => {
      const record = await em.findOneOrFail(VaultRecord, { id: job.recordId() }, {
        populate: ['encryptedPassword', 'encryptedPendingPassword'],
      });
      if (!record.encryptedPendingPassword) return; // promoted by an earlier attempt of this step
      await this.promote(em, record, 'rotatePassword', jobId);
    });
  }

  /** Pending becomes current, the previous password goes to history, and a referenced record follows. */
  private async promote(em: EntityManager, record: VaultRecord, action: string, jobId: string | null): Promise<void> {
    em.create(PasswordHistoryEntry, { record, encryptedPassword: record.encryptedPassword, retiredAt: new Date(), jobId });
    record.encryptedPassword = record.encryptedPendingPassword!;
    this.clearPending(record);
    record.passwordChangedAt = new Date();
    addAuditEvent(em, { actor: SYSTEM_ACTOR, action, target: { type: 'Record', id: record.id }, outcome: AuditOutcome.SUCCESS, details: { jobId } });
    if (record.referencedRecord) await this.updateReferencedRecord(em, record, jobId);
  }

  /** The seed's rule: after a reset on a record that references another, the referenced record holds the new password too. */
  private async updateReferencedRecord(em: EntityManager, record: VaultRecord, jobId: string | null): Promise<void> {
    const referenced = await em.findOneOrFail(VaultRecord, { id: record.referencedRecord!.id }, { populate: ['encryptedPassword'] });
    const password = this.secrets.open(record.id, record.encryptedPassword);
    em.create(PasswordHistoryEntry, { record: referenced, encryptedPassword: referenced.encryptedPassword, retiredAt: new Date(), jobId });
    referenced.encryptedPassword = this.secrets.seal(referenced.id, password);
    referenced.passwordChangedAt = new Date();
    addAuditEvent(em, {
      actor: SYSTEM_ACTOR,
      action: 'updateReferencedPassword',
      target: { type: 'Record', id: referenced.id },
      outcome: AuditOutcome.SUCCESS,
      details: { jobId, from: record.id },
    });
  }

  /** Reconciles the record of the job, after its rotation failed or was cancelled. */
  async reconcileAfterJob(jobId: string): Promise<ReconcileOutcome> {
    return this.reconcile((await this.recordOfJob(jobId)).id);
  }

  /**
   * Settles a rotation that stopped half-way: whichever of pending and current the host
   * accepts becomes (or stays) current. The one the host is likelier to accept is tried first
   * (pending once the host took it), so settling costs the account at most one failed login.
   */
  async reconcile(recordId: string): Promise<ReconcileOutcome> {
    const record = await this.em.findOneOrFail(VaultRecord, { id: recordId }, {
      populate: ['encryptedPassword', 'encryptedPendingPassword'],
      refresh: true,
    });
    if (!record.encryptedPendingPassword) return 'NOTHING_PENDING';
    const pending = this.secrets.open(record.id, record.encryptedPendingPassword);
    const current = this.secrets.open(record.id, record.encryptedPassword);
    const promotePending = async (): Promise<ReconcileOutcome | null> => {
      if (!(await this.tryLogin(record, pending))) return null;
      await this.promote(this.em, record, 'reconcilePassword', null);
      await this.em.flush();
      return 'PROMOTED_PENDING';
    };
    const keepCurrent = async (): Promise<ReconcileOutcome | null> => {
      if (!(await this.tryLogin(record, current))) return null;
      this.clearPending(record);
      await this.em.flush();
      return 'KEPT_CURRENT';
    };
    const [first, second] = record.pendingAcceptedAt ? [promotePending, keepCurrent] : [keepCurrent, promotePending];
    return (await first()) ?? (await second()) ?? 'NEITHER_WORKS';
  }

  /** The record has no rotation in flight any more, nor anything left to settle. */
  private clearPending(record: VaultRecord): void {
    record.encryptedPendingPassword = null;
    record.pendingPasswordSince = null;
    record.pendingNodeName = null;
    record.pendingAcceptedAt = null;
    record.pendingSettleAttempts = 0;
    record.pendingSettleDueAt = null;
  }

  private async loadRotation(jobId: string) {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, {
      populate: ['encryptedPassword', 'encryptedPendingPassword'],
      refresh: true,
    });
    if (!record.encryptedPendingPassword) throw new PermanentFailure('No pending password is stored for this rotation');
    return {
      job,
      record,
      current: this.secrets.open(record.id, record.encryptedPassword),
      pending: this.secrets.open(record.id, record.encryptedPendingPassword),
    };
  }

  private async recordOfJob(jobId: string): Promise<VaultRecord> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    return this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPendingPassword'] });
  }

  private async tryLogin(record: VaultRecord, password: string): Promise<boolean> {
    return this.guard(() => canLogin(this.target(record, password)));
  }

  /** Host-key and credential problems do not heal by retrying. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HostKeyMismatchError) throw new PermanentFailure(error.message);
      if (error instanceof SshAuthenticationError) throw new PermanentFailure('The host refused the password the vault holds');
      throw error;
    }
  }

  /** Connections always go to the record's host and trust its pinned key, whoever logs in. */
  target(record: VaultRecord, password: string, username = record.username): SshTarget {
    return { host: record.host, port: record.port, username, password, hostKeyFingerprint: record.hostKeyFingerprint };
  }
}
