import { registerEnumType } from 'type-graphql';
import { TokenKind } from '../../db/entities/api-token';
import { AuditOutcome } from '../../db/entities/audit-event';
import { AccessRequestState, TargetRecord, JobEventKind, JobState, JobType, PolicyEvent, RecordPermission, Role, ScriptKey, TaskSource, Weekday } from '../../lib/enums';

registerEnumType(Role, { name: 'Role', description: 'What a user may do across Steward.' });
registerEnumType(ScriptKey, { name: 'ScriptKey', description: 'A script from the built-in library.' });
registerEnumType(PolicyEvent, { name: 'PolicyEvent', description: 'What makes a task run.' });
registerEnumType(JobState, { name: 'JobState', description: 'Scheduled → Running → Completed | Error | Cancelled.' });
registerEnumType(JobType, { name: 'JobType', description: 'Why a job exists.' });
registerEnumType(JobEventKind, { name: 'JobEventKind', description: 'A kind of entry in a job timeline.' });
registerEnumType(TokenKind, { name: 'TokenKind', description: 'A login session or an API token.' });
registerEnumType(AuditOutcome, { name: 'AuditOutcome' });
registerEnumType(Weekday, { name: 'Weekday' });
registerEnumType(AccessRequestState, { name: 'AccessRequestState' });
registerEnumType(TargetRecord, { name: 'TargetRecord', description: 'Which record a task’s jobs are scheduled for.' });
registerEnumType(RecordPermission, { name: 'RecordPermission', description: 'What a user may do with one record, beyond their roles.' });
registerEnumType(TaskSource, { name: 'TaskSource', description: 'Where an applicable task of a record is defined.' });
