import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, Job, PasswordHistoryEntry, ScriptKey, Task, VaultRecord } from '../../db/entities';
import { canLogin, HostKeyMismatchError, SshAuthenticationError, type SshTarget, withSshSession } from '../../infra/ssh';
import { addAuditEvent, SYSTEM_ACTOR } from '../shared/audit';
import { PermanentFailure } from '../shared/permanent-failure';
import { generatePassword } from './password-policy';
import { redact } from '../shared/redaction';
import { DEFAULT_PASSWORD_LENGTH } from '../../lib/script-parameters';
import { type Credentials, passwordChangePlan } from './script-library';
import type { VaultSecrets } from '../shared/vault-secrets';

export type ReconcileOutcome = 'NOTHING_PENDING' | 'PROMOTED_PENDING' | 'KEPT_CURRENT' | 'NEITHER_WORKS';

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
  ) {}

  /** Step 1–2: generate by policy and store sealed as pending. */
  async preparePendingPassword(jobId: string): Promise<void> {
    const record = await this.recordOfJob(jobId);
    if (record.encryptedPendingPassword) await this.reconcile(record.id);
    await this.em.refresh(record, { populate: ['encryptedPendingPassword'] });
    const job = await this.em.findOneOrFail(Job, { id: jobId }, { populate: ['task'] });
    const length = job.task?.getEntity().scriptParameters?.passwordLength ?? DEFAULT_PASSWORD_LENGTH;
    record.encryptedPendingPassword = this.secrets.seal(record.id, generatePassword({ length }));
    record.pendingPasswordSince = new Date();
    await this.em.flush();
  }

  /** Step 3: change it on the host, secrets on stdin. Safe to retry: a change already made is detected. */
  async changePasswordOnHost(jobId: string, onProgress: () => void): Promise<HostChangeResult> {
    const { job, record, current, pending } = await this.loadRotation(jobId);
    if (await this.tryLogin(record, pending)) {
      await this.saveDetails(job, 0, 'The host already accepts the new password; nothing to change.');
      return { exitCode: 0, alreadyChanged: true };
    }
    const task = job.task ? await this.em.findOneOrFail(Task, { id: job.task.id }) : null;
    const shadow = await this.shadowCredentials(task);
    const plan = passwordChangePlan(task?.script ?? ScriptKey.PASSWORD_RESET_REMOTE_UNIX, { username: record.username, password: current }, pending, shadow);
    const result = await this.guard(() =>
      withSshSession(this.target(record, plan.connectAs.password, plan.connectAs.username), (session) =>
        session.exec(plan.command, { stdin: plan.stdin, onProgress }),
      ),
    );
    const exitCode = result.exitCode ?? -1;
    const output = redact([result.stdout, result.stderr].filter(Boolean).join('\n').trim(), [current, pending, shadow?.password ?? '']);
    await this.saveDetails(job, exitCode, output);
    const program = plan.command.replace(/^LC_ALL=C /, '').split(' ')[0];
    if (exitCode !== 0) throw new PermanentFailure(`${program} on ${record.host} exited with code ${exitCode}`);
    return { exitCode, alreadyChanged: false };
  }

  /** Step 4: log in with the new password. */
  async verifyPendingPassword(jobId: string): Promise<void> {
    const { record, pending } = await this.loadRotation(jobId);
    if (!(await this.tryLogin(record, pending))) {
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
    record.encryptedPendingPassword = null;
    record.pendingPasswordSince = null;
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
   * accepts becomes (or stays) current.
   */
  async reconcile(recordId: string): Promise<ReconcileOutcome> {
    const record = await this.em.findOneOrFail(VaultRecord, { id: recordId }, {
      populate: ['encryptedPassword', 'encryptedPendingPassword'],
      refresh: true,
    });
    if (!record.encryptedPendingPassword) return 'NOTHING_PENDING';
    const pending = this.secrets.open(record.id, record.encryptedPendingPassword);
    if (await this.tryLogin(record, pending)) {
      await this.promote(this.em, record, 'reconcilePassword', null);
      await this.em.flush();
      return 'PROMOTED_PENDING';
    }
    const current = this.secrets.open(record.id, record.encryptedPassword);
    if (await this.tryLogin(record, current)) {
      record.encryptedPendingPassword = null;
      record.pendingPasswordSince = null;
      await this.em.flush();
      return 'KEPT_CURRENT';
    }
    return 'NEITHER_WORKS';
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

  /** The shadow account's login, when the task has one. */
  async shadowCredentials(task: Task | null): Promise<Credentials | null> {
    if (!task?.shadowRecord) return null;
    const shadow = await this.em.findOneOrFail(VaultRecord, { id: task.shadowRecord.id }, { populate: ['encryptedPassword'] });
    return { username: shadow.username, password: this.secrets.open(shadow.id, shadow.encryptedPassword) };
  }

  private async saveDetails(job: Job, exitCode: number, output: string): Promise<void> {
    job.exitCode = exitCode;
    job.output = output;
    await this.em.flush();
  }
}
