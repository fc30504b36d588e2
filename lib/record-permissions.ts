import { RecordPermission } from './enums';

/**
 * What each record permission brings with it. Every permission needs to see the record, so each
 * implies VIEW; EDIT implies UNLOCK, because whoever may point a record at another host and key
 * can have its password sent there.
 */
const IMPLIES: Record<RecordPermission, readonly RecordPermission[]> = {
  [RecordPermission.VIEW]: [],
  [RecordPermission.UNLOCK]: [RecordPermission.VIEW],
  [RecordPermission.EDIT]: [RecordPermission.UNLOCK, RecordPermission.VIEW],
  [RecordPermission.EXECUTE]: [RecordPermission.VIEW],
  [RecordPermission.TASK_CONTROL_MANAGE]: [RecordPermission.VIEW],
};

/** The permissions a grant of `granted` holds, implied ones included. */
export function effectivePermissions(granted: readonly RecordPermission[]): Set<RecordPermission> {
  return new Set(granted.flatMap((permission) => [permission, ...IMPLIES[permission]]));
}

/** The granted permissions that give `permission`: itself and every permission implying it. */
export function permissionsGiving(permission: RecordPermission): RecordPermission[] {
  return Object.values(RecordPermission).filter((granted) => granted === permission || IMPLIES[granted].includes(permission));
}

/** How docs/permissions.md and error messages name each permission. */
export const PERMISSION_NAMES: Record<RecordPermission, string> = {
  [RecordPermission.VIEW]: 'View',
  [RecordPermission.UNLOCK]: 'Unlock',
  [RecordPermission.EDIT]: 'Edit',
  [RecordPermission.EXECUTE]: 'Execute',
  [RecordPermission.TASK_CONTROL_MANAGE]: 'Task Control: Manage',
};
