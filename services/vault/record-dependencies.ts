import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { AuditOutcome, RecordDependency, RecordPermission, type User, VaultRecord } from '../../db/entities';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, NotFoundError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { assertFingerprint, assertHost, assertNotBlank, assertPort } from '../shared/validation';
import type { RecordAccess } from './record-access';
import type { Destination, ShadowAccounts } from './shadow-accounts';

/** What a dependency is made of; the command may later give way to a library script, beside it. */
export interface DependencySpec {
  name: string;
  host: string;
  port: number;
  hostKeyFingerprint: string;
  accountRecordId: string;
  command: string;
}

export type DependencyChanges = Partial<DependencySpec>;

const MAX_COMMAND_LENGTH = 4000;

/**
 * A record's dependencies: adding, changing and removing them needs Edit on the record, as a
 * dependency receives its password. Naming an account record other than the record itself needs
 * Task Control: Manage on it, as choosing a shadow account does, and that account must be meant
 * for the dependency's host (its own host and key, or one of its shadow hosts), so its
 * credentials go nowhere its managers did not allow. Every change is audited.
 */
export class RecordDependencies {
  constructor(
    private readonly em: EntityManager,
    private readonly access: RecordAccess,
    private readonly shadows: ShadowAccounts,
  ) {}

  /** In the order they were added, which is the order rotations update them in. */
  of(recordId: string): Promise<RecordDependency[]> {
    return this.em.find(RecordDependency, { record: recordId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async add(user: User, recordId: string, spec: DependencySpec): Promise<RecordDependency> {
    const record = await this.access.require(user, recordId, RecordPermission.EDIT);
    const checked = this.checked(spec);
    await this.assertAccount(user, record, checked, spec.accountRecordId);
    const dependency = this.em.create(RecordDependency, { record, ...checked, accountRecord: spec.accountRecordId });
    this.audit(user, 'addRecordDependency', dependency, { ...this.described(dependency) });
    await this.em.flush();
    return dependency;
  }

  async update(user: User, dependencyId: string, version: number, changes: DependencyChanges): Promise<RecordDependency> {
    const dependency = await this.editable(user, dependencyId);
    await this.em.lock(dependency, LockMode.OPTIMISTIC, version);
    const current: DependencySpec = { ...this.described(dependency), accountRecordId: dependency.accountRecord?.id ?? '' };
    const next = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value != null)) } as DependencySpec;
    if (!next.accountRecordId) throw new BadInputError('The dependency’s account record was deleted: name another', 'accountRecordId');
    const checked = this.checked(next);
    await this.assertAccount(user, await dependency.record.loadOrFail(), checked, next.accountRecordId, next.accountRecordId !== current.accountRecordId);
    this.em.assign(dependency, { ...checked, accountRecord: next.accountRecordId });
    const after: DependencySpec = { ...checked, accountRecordId: next.accountRecordId };
    const changed = (Object.keys(after) as (keyof DependencySpec)[]).filter((field) => after[field] !== current[field]);
    this.audit(user, 'updateRecordDependency', dependency, { changed, ...this.described(dependency) });
    await this.em.flush();
    return dependency;
  }

  async remove(user: User, dependencyId: string): Promise<void> {
    const dependency = await this.editable(user, dependencyId);
    this.em.remove(dependency);
    this.audit(user, 'removeRecordDependency', dependency, { name: dependency.name, host: dependency.host, port: dependency.port });
    await this.em.flush();
  }

  /** A dependency of a record the user may not view is not found; one they may view needs Edit on the record. */
  private async editable(user: User, dependencyId: string): Promise<RecordDependency> {
    const dependency = await findByIdOrNotFound(this.em, RecordDependency, dependencyId, 'Dependency');
    const held = await this.access.permissionsOn(user, await dependency.record.loadOrFail());
    if (!held.has(RecordPermission.VIEW)) throw new NotFoundError('Dependency', dependencyId);
    await this.access.require(user, dependency.record.id, RecordPermission.EDIT);
    return dependency;
  }

  /** The account's credentials go to the dependency's host: a chosen account needs Task Control: Manage, and must be meant for that host. */
  private async assertAccount(user: User, record: VaultRecord, destination: Destination, accountRecordId: string, chosenNow = true): Promise<void> {
    if (chosenNow && accountRecordId !== record.id) {
      await this.access.assertOnOther(user, accountRecordId, RecordPermission.TASK_CONTROL_MANAGE, 'account record');
    }
    const account = await this.em.findOneOrFail(VaultRecord, { id: accountRecordId });
    if (!(await this.shadows.meantFor(account, destination))) {
      throw new BadInputError(
        `The account record ${account.name} is not meant for ${destination.host}:${destination.port} with that host key: add it to its shadow hosts first`,
        'accountRecordId',
      );
    }
  }

  private checked(spec: DependencySpec): Omit<DependencySpec, 'accountRecordId'> {
    assertNotBlank(spec.name, 'name');
    if (spec.name.length > 128) throw new BadInputError('A dependency name is at most 128 characters', 'name');
    assertHost(spec.host);
    assertPort(spec.port);
    assertFingerprint(spec.hostKeyFingerprint);
    assertNotBlank(spec.command, 'command');
    if (spec.command.length > MAX_COMMAND_LENGTH) throw new BadInputError(`The command is longer than ${MAX_COMMAND_LENGTH} characters`, 'command');
    return { name: spec.name.trim(), host: spec.host.toLowerCase(), port: spec.port, hostKeyFingerprint: spec.hostKeyFingerprint, command: spec.command };
  }

  /** What the audit log and the change check see; nothing secret. */
  private described(dependency: RecordDependency): Omit<DependencySpec, 'accountRecordId'> & { accountRecordId: string | null } {
    const { name, host, port, hostKeyFingerprint, command } = dependency;
    return { name, host, port, hostKeyFingerprint, command, accountRecordId: dependency.accountRecord?.id ?? null };
  }

  private audit(user: User, action: string, dependency: RecordDependency, details: Record<string, unknown>): void {
    addAuditEvent(this.em, {
      actor: actorOf(user),
      action,
      target: { type: 'Record', id: dependency.record.id },
      outcome: AuditOutcome.SUCCESS,
      details: { dependencyId: dependency.id, ...details },
    });
  }
}
