import { AuditEvent, Job, RecordType, UserGroup, VaultRecord } from '../../db/entities';
import { Connection } from './connection';

export const JobConnection = Connection(Job, 'Job');
export const RecordConnection = Connection(VaultRecord, 'Record');
export const RecordTypeConnection = Connection(RecordType, 'RecordType');
export const AuditEventConnection = Connection(AuditEvent, 'AuditEvent');
export const UserGroupConnection = Connection(UserGroup, 'UserGroup');
