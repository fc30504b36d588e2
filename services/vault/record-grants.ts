import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordGrant, RecordType, User, UserGroup, VaultRecord } from '../../db/entities';
import type { RecordPermission } from '../../lib/enums';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';

/** What a grant is on: one record, or every record of one record type. */
export interface GrantObject {
  recordId?: string | null;
  recordTypeId?: string | null;
}

/** Whom a grant is to: one user, or every member of one user group. */
export interface GrantSubject {
  userId?: string | null;
  groupId?: string | null;
}

/** Administrators' grants of record permissions, to users and user groups, on records and record types. */
export class RecordGrants {
  constructor(private readonly em: EntityManager) {}

  /** Replaces what the subject may do with the object; an empty list revokes the grant. Returns the grant, or null. */
  async set(admin: User, on: GrantObject, to: GrantSubject, permissions: RecordPermission[]): Promise<RecordGrant | null> {
    const where = await this.pair(on, to);
    try {
      return await this.em.transactional(async (em) => {
        let grant = await em.findOne(RecordGrant, where);
        if (permissions.length === 0) {
          if (grant) em.remove(grant);
          grant = null;
        } else {
          grant ??= em.create(RecordGrant, { ...where, permissions: [] });
          grant.permissions = [...new Set(permissions)];
        }
        this.audit(em, admin, 'grantRecordPermissions', where, { permissions });
        return grant;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError('Someone else changed this grant at the same time; read it again');
      throw error;
    }
  }

  /** Removes the subject's grant on the object; false when there was none. */
  async revoke(admin: User, on: GrantObject, to: GrantSubject): Promise<boolean> {
    const where = await this.pair(on, to);
    return this.em.transactional(async (em) => {
      const grant = await em.findOne(RecordGrant, where);
      if (grant) em.remove(grant);
      this.audit(em, admin, 'revokeRecordPermissions', where, { permissions: [] });
      return !!grant;
    });
  }

  /** The grants that hold on a record: its own, then its record type's. */
  async onRecord(record: VaultRecord): Promise<RecordGrant[]> {
    const own = await this.em.find(RecordGrant, { record: record.id }, { orderBy: { createdAt: 'asc' } });
    return [...own, ...(await this.onRecordType(record.recordType.id))];
  }

  onRecordType(recordTypeId: string): Promise<RecordGrant[]> {
    return this.em.find(RecordGrant, { recordType: recordTypeId }, { orderBy: { createdAt: 'asc' } });
  }

  /** Exactly one object and one subject, each of which exists. */
  private async pair(on: GrantObject, to: GrantSubject) {
    if (!on.recordId === !on.recordTypeId) throw new BadInputError('Name exactly one of recordId and recordTypeId', on.recordId ? 'recordTypeId' : 'recordId');
    if (!to.userId === !to.groupId) throw new BadInputError('Name exactly one of userId and groupId', to.userId ? 'groupId' : 'userId');
    return {
      record: on.recordId ? (await findByIdOrNotFound(this.em, VaultRecord, on.recordId, 'Record')).id : null,
      recordType: on.recordTypeId ? (await findByIdOrNotFound(this.em, RecordType, on.recordTypeId, 'Record type')).id : null,
      user: to.userId ? (await findByIdOrNotFound(this.em, User, to.userId, 'User')).id : null,
      group: to.groupId ? (await findByIdOrNotFound(this.em, UserGroup, to.groupId, 'User group')).id : null,
    };
  }

  private audit(em: EntityManager, admin: User, action: string, where: Awaited<ReturnType<RecordGrants['pair']>>, details: Record<string, unknown>): void {
    addAuditEvent(em, {
      actor: actorOf(admin),
      action,
      target: where.record ? { type: 'Record', id: where.record } : { type: 'RecordType', id: where.recordType! },
      outcome: AuditOutcome.SUCCESS,
      details: where.user ? { userId: where.user, ...details } : { groupId: where.group!, ...details },
    });
  }
}
