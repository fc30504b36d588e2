import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, RecordDependency, ScriptKey, Task, VaultRecord } from '../../db/entities';
import { canLogin, type SshTarget } from '../../infra/ssh';
import type { JobService } from '../jobs/job-service';
import { PermanentFailure } from '../shared/permanent-failure';
import type { VaultSecrets } from '../shared/vault-secrets';
import { changeOnHost, commandOnHost, type HostChange, type HostChangeOutcome, type HostCommand, type HostCommandOutcome } from './host-change';
import { passwordHostAccepts } from './revealed-password';
import type { RotationService } from './rotation-service';
import { type Credentials, passwordChangePlan } from './script-library';
import type { ShadowAccounts } from './shadow-accounts';

/** APPLY gives a dependency the new password; ROLL_BACK gives it back the previous one. */
export type DependencyPhase = 'APPLY' | 'ROLL_BACK';

/** A dependency as a rotation's workflow knows it: no secrets, only what names it. */
export interface DependencyRef {
  dependencyId: string;
  name: string;
}

/** A dependency's command, planned for the worker that reaches its host. */
export interface PlannedDependencyUpdate {
  name: string;
  /** `host:port`, for messages. */
  host: string;
  command: HostCommand;
}

/**
 * The dependency steps of a password rotation, between verify and promote, while the vault holds
 * the previous password as current and the new one as pending (accepted by the host): whatever
 * happens, settling finds one of the two working. A dependency's command runs on its own host and
 * pinned key, logged in as its account record, with the password to set on stdin, never in the
 * command line. When one fails, the host gets its previous password back (verified, then pending
 * is dropped), and so do the dependencies already updated.
 */
export class DependencyUpdates {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly rotation: RotationService,
    private readonly jobs: JobService,
    private readonly shadows: ShadowAccounts,
  ) {}

  /** Before the host is touched: the record's dependencies in order. One that could not run fails the job with nothing changed. */
  async plan(jobId: string): Promise<DependencyRef[]> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const dependencies = await this.em.find(RecordDependency, { record: job.recordId() }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    for (const dependency of dependencies) await this.accountFor(dependency);
    return dependencies.map((dependency) => ({ dependencyId: dependency.id, name: dependency.name }));
  }

  /** Runs the dependency's command here with the new password (APPLY) or the previous one (ROLL_BACK); aborting the signal stops it on the host. */
  async update(jobId: string, dependencyId: string, phase: DependencyPhase, signal: AbortSignal): Promise<string> {
    const { command, name, host } = await this.planUpdate(jobId, dependencyId, phase);
    const outcome = await this.onDependencyHost(host, () => this.rotation.guard(() => commandOnHost(command, signal)));
    await this.recordUpdate(jobId, command.label, outcome);
    return name;
  }

  /** The dependency's command as the worker that reaches its host runs it, logged in as its account record, the password to set on stdin. */
  async planUpdate(jobId: string, dependencyId: string, phase: DependencyPhase): Promise<PlannedDependencyUpdate> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPassword', 'encryptedPendingPassword'], refresh: true });
    const current = this.secrets.open(record.id, record.encryptedPassword);
    const pending = record.encryptedPendingPassword ? this.secrets.open(record.id, record.encryptedPendingPassword) : null;
    if (phase === 'APPLY' && pending === null) throw new PermanentFailure('No pending password is stored for this rotation');
    const dependency = await this.em.findOne(RecordDependency, { id: dependencyId, record: record.id });
    if (!dependency) throw new PermanentFailure('A dependency of the record was removed during the rotation');
    const password = phase === 'APPLY' ? pending! : current;
    const account = await this.accountFor(dependency);
    // The record's own account logs in with the password its host holds in this phase.
    const login: Credentials = account.id === record.id ? { username: record.username, password } : this.credentialsOf(account);
    const host = `${dependency.host}:${dependency.port}`;
    return {
      name: dependency.name,
      host,
      command: {
        connectAs: { host: dependency.host, port: dependency.port, username: login.username, password: login.password, hostKeyFingerprint: dependency.hostKeyFingerprint },
        command: dependency.command,
        stdin: `${password}\n`,
        env: { STEWARD_ACCOUNT: record.username },
        posixShell: true,
        runLabel: job.id,
        label: `The command on ${host}`,
        secrets: [current, pending ?? '', login.password],
      },
    };
  }

  /** A non-zero exit fails the step, its output kept; a successful one leaves the rotation's output as it is. */
  async recordUpdate(jobId: string, label: string, outcome: HostCommandOutcome): Promise<void> {
    if (outcome.exitCode === 0) return;
    await this.jobs.keepOutput(jobId, outcome);
    throw new PermanentFailure(`${label} exited with code ${outcome.exitCode}`);
  }

  /**
   * After a dependency failed: sets the host back to the previous (current) password, as the task's
   * script sets a new one. Safe to retry: a host that already refuses the new password but accepts
   * the previous one was set back by an earlier try.
   */
  async restorePreviousPassword(jobId: string, signal: AbortSignal): Promise<void> {
    const change = await this.planRestore(jobId);
    await this.recordRestore(jobId, await this.rotation.guard(() => changeOnHost(change, signal)));
  }

  /** The change back to the previous password; its "pending" login is the previous password, which an earlier try may have set already. */
  async planRestore(jobId: string): Promise<HostChange> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPassword', 'encryptedPendingPassword'], refresh: true });
    if (!record.encryptedPendingPassword) throw new PermanentFailure('No pending password is stored for this rotation');
    const current = this.secrets.open(record.id, record.encryptedPassword);
    const pending = this.secrets.open(record.id, record.encryptedPendingPassword);
    const task = job.task ? await this.em.findOneOrFail(Task, { id: job.task.id }) : null;
    const shadow = await this.shadows.credentialsFor(task, record);
    const plan = passwordChangePlan(task?.script ?? ScriptKey.PASSWORD_RESET_REMOTE_UNIX, { username: record.username, password: pending }, current, shadow);
    return {
      connectAs: this.rotation.target(record, plan.connectAs.password, plan.connectAs.username),
      pendingLogin: this.rotation.target(record, current),
      pendingFirst: false,
      asAccount: !shadow,
      command: plan.command,
      stdin: plan.stdin,
      posixShell: plan.posixShell,
      runLabel: job.id,
      label: `Setting ${record.host} back to the previous password`,
      secrets: [current, pending, shadow?.password ?? ''],
    };
  }

  async recordRestore(jobId: string, outcome: HostChangeOutcome): Promise<void> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    if (!outcome.alreadyChanged && outcome.exitCode !== 0) {
      await this.jobs.keepOutput(job.id, { exitCode: outcome.exitCode, output: outcome.output });
      const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() });
      throw new PermanentFailure(`Setting ${record.host} back to the previous password failed with exit code ${outcome.exitCode}`);
    }
    // From here on settling tries the previous password first.
    await this.em.nativeUpdate(VaultRecord, { id: job.recordId() }, { pendingAcceptedAt: null });
  }

  /** Logs in with the previous password; once it works, the new one is dropped and the vault keeps the previous. */
  async verifyRestoredPassword(jobId: string): Promise<void> {
    const login = await this.restoredLogin(jobId);
    await this.recordRestoredLogin(jobId, await this.rotation.guard(() => canLogin(login)));
  }

  async restoredLogin(jobId: string): Promise<SshTarget> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPassword'], refresh: true });
    return this.rotation.target(record, this.secrets.open(record.id, record.encryptedPassword));
  }

  /** The host took the previous password back: the vault keeps it and drops the new one. */
  async recordRestoredLogin(jobId: string, accepted: boolean): Promise<void> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() });
    if (!accepted) throw new PermanentFailure(`${record.host} does not accept the previous password for ${record.username} after setting it back`);
    const outcome = await this.rotation.settle(record.id, 'CURRENT');
    if (outcome !== 'KEPT_CURRENT' && outcome !== 'NOTHING_PENDING') throw new PermanentFailure(`Settling after the rollback found ${outcome.toLowerCase().replace(/_/g, ' ')}`);
  }

  /** The dependency's account record, checked as a shadow account is when its job runs: meant for the dependency's host, before anything is sent. */
  private async accountFor(dependency: RecordDependency): Promise<VaultRecord> {
    if (!dependency.accountRecord) throw new PermanentFailure(`Dependency ${dependency.name} has no account record (it was deleted); nothing was changed`);
    const account = await this.em.findOneOrFail(VaultRecord, { id: dependency.accountRecord.id }, { populate: ['encryptedPassword', 'encryptedPendingPassword'], refresh: true });
    if (!(await this.shadows.meantFor(account, dependency))) {
      throw new PermanentFailure(`The account record ${account.name} is not meant for ${dependency.host}:${dependency.port} of dependency ${dependency.name}; nothing was sent`);
    }
    return account;
  }

  /** Another record's credentials: the password its host last accepted. */
  private credentialsOf(account: VaultRecord): Credentials {
    return { username: account.username, password: passwordHostAccepts(account, this.secrets).password };
  }

  /** A permanent failure says it was on the dependency's host, not the record's (the workflow adds the dependency's name). */
  private async onDependencyHost<T>(host: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PermanentFailure) throw new PermanentFailure(`On ${host}: ${error.message}`);
      throw error;
    }
  }
}
