import { Field, ObjectType } from 'type-graphql';
import { RecordGrant, VaultRecord } from '../../db/entities';

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
export class RecordPayload {
  @Field(() => VaultRecord)
  record!: VaultRecord;
}

@ObjectType()
export class GrantRecordPermissionsPayload {
  @Field(() => RecordGrant, { nullable: true, description: 'Null when every permission was revoked.' })
  grant!: RecordGrant | null;
}
