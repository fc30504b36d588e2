import { Field, ObjectType } from 'type-graphql';
import { RecordGrant, ShadowHost, VaultRecord } from '../../db/entities';

@ObjectType()
export class CreateRecordPayload {
  @Field(() => VaultRecord)
  record!: VaultRecord;
}

@ObjectType()
export class UnlockRecordPayload {
  @Field(() => VaultRecord)
  record!: VaultRecord;

  @Field(() => String, { description: 'The password the host last accepted. This unlock is in the audit log.' })
  password!: string;

  @Field(() => Boolean, { description: 'True while a rotation of the password has not settled: the password may change as soon as it does.' })
  unsettledRotation!: boolean;
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

@ObjectType()
export class RevokeRecordPermissionsPayload {
  @Field(() => Boolean, { description: 'Whether there was a grant to revoke.' })
  revoked!: boolean;
}

@ObjectType()
export class ShadowHostPayload {
  @Field(() => ShadowHost)
  shadowHost!: ShadowHost;
}
