import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordPermission, ShadowHost, type Task, TargetRecord, type User, VaultRecord } from '../../db/entities';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError, NotFoundError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { PermanentFailure } from '../shared/permanent-failure';
import { assertFingerprint, assertHost, assertPort } from '../shared/validation';
import type { VaultSecrets } from '../shared/vault-secrets';
import type { RecordAccess } from './record-access';
import type { Credentials } from './script-library';
import type { TaskSpec } from './task-spec';

/** Where a connection goes: the host, port and pinned host key a record trusts. */
export interface Destination {
  name: string;
  host: string;
  port: number;
  hostKeyFingerprint: string;
}

export interface ShadowHostSpec {
  host: string;
  port: number;
  hostKeyFingerprint: string;
}

/**
 * Shadow accounts: records whose credentials log in for another record's task. Their credentials
 * go only where they are meant to: the shadow record's own host and pinned key, or a host it
 * explicitly allows. Choosing a shadow account or a target record other than the task's own
 * record needs Task Control: Manage on that record too. Both are checked when a task is saved,
 * and the destination again when its job runs, before anything is sent.
 */
export class ShadowAccounts {
  constructor(
    private readonly em: EntityManager,
    private readonly access: RecordAccess,
    private readonly secrets: VaultSecrets,
  ) {}

  hostsOf(recordId: string): Promise<ShadowHost[]> {
    return this.em.find(ShadowHost, { record: recordId }, { orderBy: { host: 'asc', port: 'asc' } });
  }

  /** Lets the record's credentials go to one more host when it is a shadow account. Needs Task Control: Manage on it. */
  async addHost(user: User, recordId: string, spec: ShadowHostSpec): Promise<ShadowHost> {
    assertHost(spec.host);
    assertPort(spec.port);
    assertFingerprint(spec.hostKeyFingerprint);
    const record = await this.access.require(user, recordId, RecordPermission.TASK_CONTROL_MANAGE);
    try {
      const allowed = this.em.create(ShadowHost, { record, host: spec.host.toLowerCase(), port: spec.port, hostKeyFingerprint: spec.hostKeyFingerprint });
      this.audit(user, 'addShadowHost', record.id, allowed);
      await this.em.flush();
      return allowed;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`${spec.host}:${spec.port} with that host key is already allowed`);
      throw error;
    }
  }

  /** Needs Task Control: Manage on the record whose list it is; one on a record the user may not view is not found. */
  async removeHost(user: User, shadowHostId: string): Promise<void> {
    const allowed = await findByIdOrNotFound(this.em, ShadowHost, shadowHostId, 'Shadow host');
    const held = await this.access.permissionsOn(user, await allowed.record.loadOrFail());
    if (!held.has(RecordPermission.VIEW)) throw new NotFoundError('Shadow host', shadowHostId);
    await this.access.require(user, allowed.record.id, RecordPermission.TASK_CONTROL_MANAGE);
    this.em.remove(allowed);
    this.audit(user, 'removeShadowHost', allowed.record.id, allowed);
    await this.em.flush();
  }

  /**
   * When a task is saved: a shadow account or target record other than the task's own record
   * needs Task Control: Manage on it (FORBIDDEN otherwise, whether it exists or not), and the
   * shadow account must be meant for the host of every record the task applies to.
   */
  async assertTaskChoice(user: User, owner: { record: VaultRecord } | { recordTypeId: string }, spec: TaskSpec): Promise<void> {
    const own = 'record' in owner ? owner.record : null;
    if (own && spec.targetRecord === TargetRecord.REFERENCED && own.referencedRecord) {
      await this.access.assertOnOther(user, own.referencedRecord.id, RecordPermission.TASK_CONTROL_MANAGE, 'target record');
    }
    if (!spec.shadowRecordId || spec.shadowRecordId === own?.id) return;
    await this.access.assertOnOther(user, spec.shadowRecordId, RecordPermission.TASK_CONTROL_MANAGE, 'shadow account');
    const shadow = await this.em.findOneOrFail(VaultRecord, { id: spec.shadowRecordId });
    const knex = this.em.getKnex();
    const destinations =
      'record' in owner
        ? this.destination(owner.record)
        : knex('records').select('name', 'host', 'port', 'host_key_fingerprint').where({ record_type_id: owner.recordTypeId, tasks_unique: false });
    const refused = await this.notMeantFor(shadow, destinations);
    if (refused.length > 0) {
      throw new BadInputError(
        `The shadow account ${shadow.name} is not meant for the host of ${refused.join(', ')}: add the host, port and host key to its shadow hosts first`,
        'shadowRecordId',
      );
    }
  }

  /**
   * When a job runs: the credentials of the task's shadow account for a connection to
   * `destination`, or null when the task has none. A destination the shadow account is not meant
   * for fails the job for good before anything is sent.
   */
  async credentialsFor(task: Task | null, destination: VaultRecord): Promise<Credentials | null> {
    if (!task?.shadowRecord) return null;
    const shadow = await this.em.findOneOrFail(VaultRecord, { id: task.shadowRecord.id }, { populate: ['encryptedPassword'], refresh: true });
    if (shadow.id !== destination.id && (await this.notMeantFor(shadow, this.destination(destination))).length > 0) {
      throw new PermanentFailure(
        `The shadow account ${shadow.name} is not meant for ${destination.host}:${destination.port} (neither its own host nor one it allows); nothing was sent`,
      );
    }
    return { username: shadow.username, password: this.secrets.open(shadow.id, shadow.encryptedPassword) };
  }

  /** Whether the record's credentials may go to `destination`: its own host and key, or a host it allows. */
  async meantFor(account: VaultRecord, destination: Destination): Promise<boolean> {
    return (await this.notMeantFor(account, this.destination(destination))).length === 0;
  }

  /** The destinations (rows of name, host, port, host_key_fingerprint) the shadow account is not meant for; at most three names. */
  private async notMeantFor(shadow: VaultRecord, destinations: Knex.QueryBuilder): Promise<string[]> {
    const knex = this.em.getKnex();
    const allowed = knex('shadow_hosts')
      .select(knex.raw('1'))
      .where('shadow_hosts.record_id', shadow.id)
      .whereRaw('shadow_hosts.host = lower(d.host) and shadow_hosts.port = d.port and shadow_hosts.host_key_fingerprint = d.host_key_fingerprint');
    const rows: { name: string }[] = await knex
      .select('d.name')
      .from(destinations.as('d'))
      .whereNot((own) => own.whereRaw('lower(d.host) = lower(?)', [shadow.host]).andWhere('d.port', shadow.port).andWhere('d.host_key_fingerprint', shadow.hostKeyFingerprint))
      .whereNotExists(allowed)
      .limit(3);
    return rows.map((row) => row.name);
  }

  /** One record's destination as it is in memory (not re-read), so the check and the connection see the same host. */
  private destination(record: Destination): Knex.QueryBuilder {
    const knex = this.em.getKnex();
    return knex.select(
      knex.raw('?::text as name, ?::text as host, ?::int as port, ?::text as host_key_fingerprint', [record.name, record.host, record.port, record.hostKeyFingerprint]),
    );
  }

  private audit(user: User, action: string, recordId: string, allowed: ShadowHost): void {
    addAuditEvent(this.em, {
      actor: actorOf(user),
      action,
      target: { type: 'Record', id: recordId },
      outcome: AuditOutcome.SUCCESS,
      details: { host: allowed.host, port: allowed.port, hostKeyFingerprint: allowed.hostKeyFingerprint },
    });
  }
}
