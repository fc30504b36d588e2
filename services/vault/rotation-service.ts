import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, Job, type LibraryScriptVersion, PasswordHistoryEntry, ScriptKey, Task, VaultRecord } from '../../db/entities';
import { canLogin, HostKeyMismatchError, SshAuthenticationError, type SshTarget } from '../../infra/ssh';
import type { JobService } from '../jobs/job-service';
import { addAuditEvent, SYSTEM_ACTOR } from '../shared/audit';
import { PermanentFailure } from '../shared/permanent-failure';
import { reportHostKeyMismatch } from '../systems/host-key-mismatch';
import { generatePassword } from './password-policy';
import { DEFAULT_PASSWORD_LENGTH } from '../../lib/script-parameters';
import { type Credentials, type PasswordChangePlan, passwordChangePlan } from './script-library';
import { libraryRunPlan, libraryVersionOfJob } from '../scripts/library-script-run';
import type { ShadowAccounts } from './shadow-accounts';
import type { VaultSecrets } from '../shared/vault-secrets';
import { changeOnHost, commandOnHost, firstAcceptedLogin, type HostChange, type HostChangeOutcome, type HostCommand, type HostCommandOutcome } from './host-change';

export type ReconcileOutcome = 'NOTHING_PENDING' | 'PROMOTED_PENDING' | 'KEPT_CURRENT' | 'NEITHER_WORKS';

/** One login that settles a record: with its pending or its current password. */
export interface SettleAttempt {
  password: 'PENDING' | 'CURRENT';
  login: SshTarget;
}

/** How the host is asked whether it accepts the vault's password. */
export type VerifyCheck = { login: SshTarget } | { command: HostCommand };
/** What it answered: the login taken or refused, or what the verify script printed and its exit code. */
export type VerifyResult = { accepted: boolean } | ({ label: string } & HostCommandOutcome);

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
    const change = await this.planHostChange(jobId);
    return this.recordHostChange(jobId, change.label, await this.guard(() => changeOnHost(change, signal)));
  }

  /** What changing the password on the host takes, for the worker that reaches it (services/vault/host-change.ts). */
  async planHostChange(jobId: string): Promise<HostChange> {
    const { job, record, current, pending } = await this.loadRotation(jobId);
    const task = job.task ? await this.em.findOneOrFail(Task, { id: job.task.id }) : null;
    // Before any connection: a shadow account not meant for this host fails the job with nothing sent.
    const shadow = await this.shadows.credentialsFor(task, record);
    const library = await libraryVersionOfJob(this.em, job);
    const plan = library
      ? this.libraryChangePlan(library, task, record, current, pending, shadow)
      : passwordChangePlan(task?.script ?? ScriptKey.PASSWORD_RESET_REMOTE_UNIX, { username: record.username, password: current }, pending, shadow);
    return {
      connectAs: this.target(record, plan.connectAs.password, plan.connectAs.username),
      pendingLogin: this.target(record, pending),
      pendingFirst: !!record.pendingAcceptedAt,
      asAccount: !shadow,
      command: plan.command,
      stdin: plan.stdin,
      env: plan.env,
      posixShell: plan.posixShell,
      runLabel: job.id,
      label: `${plan.label ?? plan.command.replace(/^LC_ALL=C /, '').split(' ')[0]} on ${record.host}`,
      secrets: [current, pending, shadow?.password ?? ''],
    };
  }

  /** Keeps what the change printed; the vault learns the host took the pending password, or the job fails on a non-zero exit. */
  async recordHostChange(jobId: string, label: string, outcome: HostChangeOutcome): Promise<HostChangeResult> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() });
    if (outcome.alreadyChanged) {
      await this.hostTookPending(record, true);
      await this.jobs.keepOutput(job.id, { exitCode: 0, output: 'The host already accepts the new password; nothing to change.' });
      return { exitCode: 0, alreadyChanged: true };
    }
    await this.jobs.keepOutput(job.id, { exitCode: outcome.exitCode, output: outcome.output });
    if (outcome.exitCode !== 0) throw new PermanentFailure(`${label} exited with code ${outcome.exitCode}`);
    await this.hostTookPending(record, true);
    return { exitCode: outcome.exitCode, alreadyChanged: false };
  }

  /** A library reset script replaces only the change: it logs in as the shadow account or the account, new and current passwords on stdin. */
  private libraryChangePlan(version: LibraryScriptVersion, task: Task | null, record: VaultRecord, current: string, pending: string, shadow: Credentials | null): PasswordChangePlan {
    const run = libraryRunPlan(version, record.username, task?.scriptParameters?.parameters, { newPassword: pending, currentPassword: current });
    return { connectAs: shadow ?? { username: record.username, password: current }, ...run, label: `Script ${run.label}` };
  }

  /** Whether the host took the pending password, as far as the vault knows; bookkeeping only, so it does not bump the record's version. */
  private async hostTookPending(record: VaultRecord, taken: boolean): Promise<void> {
    await this.em.nativeUpdate(VaultRecord, { id: record.id }, { pendingAcceptedAt: taken ? new Date() : null });
  }

  /** Step 4: log in with the new password. */
  async verifyPendingPassword(jobId: string): Promise<void> {
    const login = await this.pendingLogin(jobId);
    await this.recordPendingLogin(jobId, await this.guard(() => canLogin(login)));
  }

  /** The login that verifies the new password, for the worker that reaches the host. */
  async pendingLogin(jobId: string): Promise<SshTarget> {
    const { record, pending } = await this.loadRotation(jobId);
    return this.target(record, pending);
  }

  /** A refused new password fails the job. */
  async recordPendingLogin(jobId: string, accepted: boolean): Promise<void> {
    if (accepted) return;
    const record = await this.recordOfJob(jobId);
    // Refused just now: settling tries the current password first.
    await this.hostTookPending(record, false);
    throw new PermanentFailure(`${record.host} does not accept the new password for ${record.username}`);
  }

  /** The Verify Password script: does the host accept the password the vault holds? */
  async verifyCurrentPassword(jobId: string, signal: AbortSignal): Promise<void> {
    const check = await this.planVerify(jobId);
    const result: VerifyResult =
      'login' in check ? { accepted: await this.guard(() => canLogin(check.login)) } : { label: check.command.label, ...(await this.guard(() => commandOnHost(check.command, signal))) };
    await this.recordVerify(jobId, result);
  }

  /** What verifies the vault's password on the host: a login with it, or the job's library verify script (that password on stdin). */
  async planVerify(jobId: string): Promise<VerifyCheck> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPassword'], refresh: true });
    const password = this.secrets.open(record.id, record.encryptedPassword);
    const library = await libraryVersionOfJob(this.em, job);
    if (!library) return { login: this.target(record, password) };
    const task = job.task ? await this.em.findOne(Task, { id: job.task.id }) : null;
    const run = libraryRunPlan(library, record.username, task?.scriptParameters?.parameters, { currentPassword: password });
    return { command: { connectAs: this.target(record, password), ...run, runLabel: job.id, label: `Script ${run.label} on ${record.host}`, secrets: [password] } };
  }

  /** A refused login, or a script that exits non-zero, fails the job; a script's output is kept. */
  async recordVerify(jobId: string, result: VerifyResult): Promise<void> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() });
    if ('accepted' in result) {
      if (!result.accepted) throw new PermanentFailure(`${record.host} refused the password the vault holds for ${record.username}`);
      return;
    }
    await this.jobs.keepOutput(job.id, { exitCode: result.exitCode, output: result.output });
    if (result.exitCode !== 0) throw new PermanentFailure(`${result.label} exited with code ${result.exitCode}`);
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

  /** The record the job rotates. */
  async recordIdOfJob(jobId: string): Promise<string> {
    return (await this.recordOfJob(jobId)).id;
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
    const attempts = await this.settleAttempts(recordId);
    const accepted = await this.guard(() => firstAcceptedLogin(attempts.map(({ login }) => login)));
    return this.settle(recordId, attempts[accepted]?.password ?? null);
  }

  /** The logins that settle the record, in the order to try them; none when nothing is pending. */
  async settleAttempts(recordId: string): Promise<SettleAttempt[]> {
    const record = await this.em.findOneOrFail(VaultRecord, { id: recordId }, {
      populate: ['encryptedPassword', 'encryptedPendingPassword'],
      refresh: true,
    });
    if (!record.encryptedPendingPassword) return [];
    const pending: SettleAttempt = { password: 'PENDING', login: this.target(record, this.secrets.open(record.id, record.encryptedPendingPassword)) };
    const current: SettleAttempt = { password: 'CURRENT', login: this.target(record, this.secrets.open(record.id, record.encryptedPassword)) };
    return record.pendingAcceptedAt ? [pending, current] : [current, pending];
  }

  /** Keeps the password the host accepted: pending becomes current, or current stays and pending goes; null when it accepted neither. */
  async settle(recordId: string, accepted: SettleAttempt['password'] | null): Promise<ReconcileOutcome> {
    const record = await this.em.findOneOrFail(VaultRecord, { id: recordId }, {
      populate: ['encryptedPassword', 'encryptedPendingPassword'],
      refresh: true,
    });
    if (!record.encryptedPendingPassword) return 'NOTHING_PENDING';
    if (accepted === null) return 'NEITHER_WORKS';
    if (accepted === 'PENDING') await this.promote(this.em, record, 'reconcilePassword', null);
    else this.clearPending(record);
    await this.em.flush();
    return accepted === 'PENDING' ? 'PROMOTED_PENDING' : 'KEPT_CURRENT';
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

  /** Host-key and credential problems do not heal by retrying. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HostKeyMismatchError) {
        await reportHostKeyMismatch(this.em, error);
        throw new PermanentFailure(error.message);
      }
      if (error instanceof SshAuthenticationError) throw new PermanentFailure('The host refused the password the vault holds');
      throw error;
    }
  }

  /** Connections always go to the record's host and trust its pinned key, whoever logs in. */
  target(record: VaultRecord, password: string, username = record.username): SshTarget {
    return { host: record.host, port: record.port, username, password, hostKeyFingerprint: record.hostKeyFingerprint };
  }
}
