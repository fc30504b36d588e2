import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, RecordGrant, User, VaultRecord } from '../../db/entities';
import { RecordPermission, Role } from '../../lib/enums';
import { actorOf, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import { ForbiddenError, NotFoundError } from '../shared/errors';
import { assertId } from '../shared/validation';

const PERMISSION_NAMES: Record<RecordPermission, string> = {
  [RecordPermission.TASK_CONTROL_MANAGE]: 'Task Control: Manage',
  [RecordPermission.EXECUTE]: 'Execute',
};

/** Per-record permissions: System Administrators hold them all; others through grants. */
export class RecordAccess {
  constructor(private readonly em: EntityManager) {}

  async has(user: User, recordId: string, permission: RecordPermission): Promise<boolean> {
    if (user.hasRole(Role.SYSTEM_ADMINISTRATOR)) return true;
    const grant = await this.em.findOne(RecordGrant, { record: recordId, user: user.id });
    return !!grant?.permissions.includes(permission);
  }

  async assert(user: User, recordId: string, permission: RecordPermission): Promise<void> {
    if (!(await this.has(user, recordId, permission))) {
      await recordAuditEventNow(this.em, {
        actor: actorOf(user),
        action: 'permissionRefused',
        target: { type: 'Record', id: recordId },
        outcome: AuditOutcome.FAILURE,
        details: { permission },
      });
      throw new ForbiddenError(`This needs the ${PERMISSION_NAMES[permission]} permission on the record`);
    }
  }

  /** Replaces what a user may do with a record; an empty list removes the grant. */
  async grant(admin: User, recordId: string, userId: string, permissions: RecordPermission[]): Promise<RecordGrant | null> {
    assertId(recordId, 'Record');
    assertId(userId, 'User');
    if (!(await this.em.count(VaultRecord, { id: recordId }))) throw new NotFoundError('Record', recordId);
    if (!(await this.em.count(User, { id: userId }))) throw new NotFoundError('User', userId);
    return this.em.transactional(async (em) => {
      let grant = await em.findOne(RecordGrant, { record: recordId, user: userId });
      if (permissions.length === 0) {
        if (grant) em.remove(grant);
        grant = null;
      } else {
        grant ??= em.create(RecordGrant, { record: recordId, user: userId, permissions: [] });
        grant.permissions = [...new Set(permissions)];
      }
      addAuditEvent(em, {
        actor: actorOf(admin),
        action: 'grantRecordPermissions',
        target: { type: 'Record', id: recordId },
        outcome: AuditOutcome.SUCCESS,
        details: { userId, permissions },
      });
      return grant;
    });
  }

  grantsOf(recordId: string): Promise<RecordGrant[]> {
    return this.em.find(RecordGrant, { record: recordId }, { orderBy: { createdAt: 'asc' } });
  }
}
