import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordType, type User, VaultRecord } from '../../db/entities';
import { RecordPermission, Role } from '../../lib/enums';
import { effectivePermissions, PERMISSION_NAMES, permissionsGiving } from '../../lib/record-permissions';
import { actorOf, recordAuditEventNow } from '../shared/audit';
import { ForbiddenError, NotFoundError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { UUID } from '../shared/validation';

/**
 * Who may do what with vault records. System Administrators hold every permission on every
 * record; everyone else holds the union of the grants to them and to their groups, on the record
 * and on its record type, with the permissions each implies (lib/record-permissions.ts).
 *
 * Lists are filtered by one SQL condition, "the record's id is granted to me or my groups, or its
 * type is", so they cost the same at 100,000 records as at ten. A record the caller may not view
 * answers exactly like one that does not exist.
 */
export class RecordAccess {
  constructor(private readonly em: EntityManager) {}

  /** The IDs of the records the user holds `permission` on, as a subquery; null when that is every record. */
  permittedRecordIds(user: User, permission: RecordPermission): Knex.QueryBuilder | null {
    if (user.hasRole(Role.SYSTEM_ADMINISTRATOR)) return null;
    const knex = this.em.getKnex();
    const grants = this.grantsGiving(user, permission);
    // A union rather than an OR, so each half can use its index (records' primary key, and record_type_id).
    const onRecords = grants.clone().select('record_grants.record_id as id').whereNotNull('record_grants.record_id');
    const onTypes = knex('records')
      .select('records.id')
      .whereIn('records.record_type_id', grants.clone().select('record_grants.record_type_id').whereNotNull('record_grants.record_type_id'));
    return onRecords.union(onTypes);
  }

  /** A condition on records: those the user holds `permission` on. */
  recordFilter(user: User, permission = RecordPermission.VIEW): FilterQuery<VaultRecord> {
    const ids = this.permittedRecordIds(user, permission);
    return ids ? { id: { $in: ids as never } } : {};
  }

  /** A condition on whatever belongs to a record (jobs, access requests): its record is one the user may view. */
  onViewableRecords<T extends { record?: unknown }>(user: User): FilterQuery<T> {
    const ids = this.permittedRecordIds(user, RecordPermission.VIEW);
    return (ids ? { record: { $in: ids } } : {}) as FilterQuery<T>;
  }

  /** A condition on record types: those with a grant to the user, or a record the user may view. */
  recordTypeFilter(user: User): FilterQuery<RecordType> {
    const viewable = this.permittedRecordIds(user, RecordPermission.VIEW);
    if (!viewable) return {};
    const knex = this.em.getKnex();
    const ofViewableRecords = knex('records').select('records.record_type_id').whereIn('records.id', viewable);
    const granted = this.grantsGiving(user, RecordPermission.VIEW).select('record_grants.record_type_id').whereNotNull('record_grants.record_type_id');
    return { $or: [{ id: { $in: ofViewableRecords as never } }, { id: { $in: granted as never } }] };
  }

  /** Every permission the user holds on the record, implied ones included. */
  async permissionsOn(user: User, record: VaultRecord): Promise<Set<RecordPermission>> {
    if (user.hasRole(Role.SYSTEM_ADMINISTRATOR)) return new Set(Object.values(RecordPermission));
    const rows: { permissions: RecordPermission[] }[] = await this.grantsOfUser(user)
      .select('record_grants.permissions')
      .where((where) => where.where('record_grants.record_id', record.id).orWhere('record_grants.record_type_id', record.recordType.id));
    return effectivePermissions(rows.flatMap((row) => row.permissions));
  }

  async has(user: User, recordId: string, permission: RecordPermission): Promise<boolean> {
    const record = UUID.test(recordId) ? await this.em.findOne(VaultRecord, { id: recordId }) : null;
    return !!record && (await this.permissionsOn(user, record)).has(permission);
  }

  /**
   * The record, when the user holds `permission` on it. A record they may not view is NOT_FOUND,
   * worded as for a record that does not exist (or as `missing`, when the caller looked up
   * something of the record's); one they may view is FORBIDDEN. Refusals are audited.
   */
  async require(user: User, recordId: string, permission: RecordPermission, missing = new NotFoundError('Record', recordId)): Promise<VaultRecord> {
    const record = UUID.test(recordId) ? await this.em.findOne(VaultRecord, { id: recordId }) : null;
    if (!record) throw missing;
    const held = await this.permissionsOn(user, record);
    if (held.has(permission)) return record;
    await this.auditRefusal(user, record.id, permission);
    if (!held.has(RecordPermission.VIEW)) throw missing;
    throw new ForbiddenError(`This needs the ${PERMISSION_NAMES[permission]} permission on the record`);
  }

  /** The record, when the user may view it; otherwise NOT_FOUND, as for a record that does not exist. */
  viewable(user: User, recordId: string): Promise<VaultRecord> {
    return this.require(user, recordId, RecordPermission.VIEW);
  }

  /** The record if the user may view it, else null: for fields that lead from one record to another. */
  async viewableOrNull(user: User, record: VaultRecord): Promise<VaultRecord | null> {
    return (await this.permissionsOn(user, record)).has(RecordPermission.VIEW) ? record : null;
  }

  /**
   * For another record named in an input (a shadow account, a target): FORBIDDEN unless the user
   * holds `permission` on it, whether or not it exists, so the answer tells nothing about it.
   */
  async assertOnOther(user: User, recordId: string, permission: RecordPermission, role: string): Promise<void> {
    if (await this.has(user, recordId, permission)) return;
    // An administrator may see every record, so for them a missing one is simply missing.
    if (user.hasRole(Role.SYSTEM_ADMINISTRATOR)) throw new NotFoundError('Record', recordId);
    await this.auditRefusal(user, recordId, permission);
    throw new ForbiddenError(`This needs the ${PERMISSION_NAMES[permission]} permission on the ${role}`);
  }

  /** The record type, when the user may see it (a grant on it, or a record of it they may view); otherwise NOT_FOUND. */
  async viewableRecordType(user: User, recordTypeId: string): Promise<RecordType> {
    const recordType = await findByIdOrNotFound(this.em, RecordType, recordTypeId, 'Record type');
    if (!(await this.mayViewRecordType(user, recordType.id))) throw new NotFoundError('Record type', recordTypeId);
    return recordType;
  }

  async mayViewRecordType(user: User, recordTypeId: string): Promise<boolean> {
    return (await this.em.count(RecordType, { $and: [{ id: recordTypeId }, this.recordTypeFilter(user)] })) > 0;
  }

  /** The grants to the user and to the groups they belong to. */
  private grantsOfUser(user: User): Knex.QueryBuilder {
    const knex = this.em.getKnex();
    const groups = knex('user_group_members').select('user_group_members.user_group_id').where('user_group_members.user_id', user.id);
    return knex('record_grants').where((where) => where.where('record_grants.user_id', user.id).orWhereIn('record_grants.group_id', groups));
  }

  /** Those of the user's grants that give `permission`, directly or by implication. */
  private grantsGiving(user: User, permission: RecordPermission): Knex.QueryBuilder {
    const giving = permissionsGiving(permission);
    return this.grantsOfUser(user).whereRaw(`record_grants.permissions && array[${giving.map(() => '?').join(', ')}]::text[]`, giving);
  }

  private async auditRefusal(user: User, recordId: string, permission: RecordPermission): Promise<void> {
    await recordAuditEventNow(this.em, {
      actor: actorOf(user),
      action: 'permissionRefused',
      target: { type: 'Record', id: recordId.slice(0, 64) },
      outcome: AuditOutcome.FAILURE,
      details: { permission },
    });
  }
}
