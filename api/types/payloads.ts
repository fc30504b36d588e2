import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ScriptKey } from '../../lib/enums';
import { ApiToken, Job, RecordGrant, RecordType, ServerSettings, Task, User, VaultRecord, WorkerNode } from '../../db/entities';

@ObjectType()
export class LoginPayload {
  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`. Expires after 12 hours.' })
  token!: string;

  @Field(() => User)
  user!: User;
}

@ObjectType()
export class CreateApiTokenPayload {
  @Field(() => String, { description: 'The secret, shown only now. Steward keeps only its hash.' })
  token!: string;

  @Field(() => ApiToken)
  apiToken!: ApiToken;
}

@ObjectType()
export class CreateUserPayload {
  @Field(() => User)
  user!: User;
}

@ObjectType()
export class CreateRecordTypePayload {
  @Field(() => RecordType)
  recordType!: RecordType;
}

@ObjectType()
export class CreateRecordPayload {
  @Field(() => VaultRecord)
  record!: VaultRecord;
}

@ObjectType()
export class UnlockRecordPayload {
  @Field(() => VaultRecord)
  record!: VaultRecord;

  @Field(() => String, { description: 'The current password. This unlock is in the audit log.' })
  password!: string;
}

@ObjectType()
export class RunOnDemandTaskPayload {
  @Field(() => Job)
  job!: Job;
}

@ObjectType({ description: 'What the script printed, with every secret redacted.' })
export class JobDetails {
  @Field(() => Int, { nullable: true })
  exitCode!: number | null;

  @Field(() => String, { nullable: true })
  output!: string | null;
}

@ObjectType({ description: 'A script of the built-in library.' })
export class Script {
  @Field(() => ScriptKey)
  key!: ScriptKey;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Boolean)
  rotatesPassword!: boolean;
}

@ObjectType()
export class JobPayload {
  @Field(() => Job)
  job!: Job;
}

@ObjectType()
export class RegisterNodePayload {
  @Field(() => WorkerNode)
  node!: WorkerNode;
}

@ObjectType()
export class UpdateFallbackSettingsPayload {
  @Field(() => ServerSettings)
  settings!: ServerSettings;
}

@ObjectType()
export class TaskPayload {
  @Field(() => Task)
  task!: Task;
}

@ObjectType()
export class TaskRemovedPayload {
  @Field(() => ID)
  taskId!: string;
}

@ObjectType()
export class RecordPayload {
  @Field(() => VaultRecord)
  record!: VaultRecord;
}

@ObjectType()
export class RecordTypePayload {
  @Field(() => RecordType)
  recordType!: RecordType;
}

@ObjectType()
export class DeletedPayload {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class GrantRecordPermissionsPayload {
  @Field(() => RecordGrant, { nullable: true, description: 'Null when every permission was revoked.' })
  grant!: RecordGrant | null;
}
