import { Field, ObjectType } from 'type-graphql';
import { RecordGrant, ShadowHost, VaultRecord } from '../../db/entities';

@ObjectType({ description: 'What createRecord returns.' })
export class CreateRecordPayload {
  @Field(() => VaultRecord, { description: 'The new record.' })
  record!: VaultRecord;
}

@ObjectType({ description: 'What unlockRecord returns: the record and its password.' })
export class UnlockRecordPayload {
  @Field(() => VaultRecord, { description: 'The record unlocked.' })
  record!: VaultRecord;

  @Field(() => String, { description: 'The password the host last accepted. This unlock is in the audit log.' })
  password!: string;

  @Field(() => Boolean, { description: 'True while a rotation of the password has not settled: the password may change as soon as it does.' })
  unsettledRotation!: boolean;
}

@ObjectType({ description: 'What a record mutation returns.' })
export class RecordPayload {
  @Field(() => VaultRecord, { description: 'The record after the change.' })
  record!: VaultRecord;
}

@ObjectType({ description: 'What grantRecordPermissions returns.' })
export class GrantRecordPermissionsPayload {
  @Field(() => RecordGrant, { nullable: true, description: 'Null when every permission was revoked.' })
  grant!: RecordGrant | null;
}

@ObjectType({ description: 'What revokeRecordPermissions returns.' })
export class RevokeRecordPermissionsPayload {
  @Field(() => Boolean, { description: 'Whether there was a grant to revoke.' })
  revoked!: boolean;
}

@ObjectType({ description: 'What addShadowHost returns.' })
export class ShadowHostPayload {
  @Field(() => ShadowHost, { description: 'The new shadow host.' })
  shadowHost!: ShadowHost;
}
