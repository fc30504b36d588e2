import { ArrayUnique, IsOptional, IsUUID, Length, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { RecordPermission } from '../../lib/enums';
import { UpdateSshTargetInput } from './ssh-target-input';

@InputType()
export class CreateRecordInput {
  @Field(() => ID)
  @IsUUID()
  recordTypeId!: string;

  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => String, { description: 'Host name or IP address of the managed host.' })
  @Length(1, 253)
  host!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port; 22 when omitted.' })
  @IsOptional()
  @Min(1)
  @Max(65535)
  port?: number;

  @Field(() => String)
  @Length(1, 32)
  username!: string;

  @Field(() => String, { description: 'The secured field. Encrypted at rest; revealed only by unlockRecord.' })
  @Length(1, 1024)
  password!: string;

  @Field(() => String, { description: 'The host key this record trusts, as `ssh-keygen -lf` prints it: SHA256:…' })
  hostKeyFingerprint!: string;

  @Field(() => String, { nullable: true, description: 'IANA time zone of the record; UTC when omitted.' })
  @IsOptional()
  timeZone?: string;

  @Field(() => ID, { nullable: true, description: 'A record this one references.' })
  @IsOptional()
  @IsUUID()
  referencedRecordId?: string;
}

@InputType()
export class UnlockRecordInput {
  @Field(() => ID)
  @IsUUID()
  recordId!: string;

  @Field(() => String, { nullable: true, description: 'Why the password is needed; kept in the audit log.' })
  @IsOptional()
  @Length(0, 500)
  reason?: string;
}

@InputType()
export class RecordRefInput {
  @Field(() => ID)
  @IsUUID()
  recordId!: string;
}

@InputType({ description: 'The fields to change; omitted ones stay.' })
export class UpdateRecordInput extends UpdateSshTargetInput {
  @Field(() => ID)
  @IsUUID()
  recordId!: string;

  // A record's host and port are checked here too, a system's only by its service: `declare`
  // keeps the base's fields and adds the checks.
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 253)
  declare host?: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(1)
  @Max(65535)
  declare port?: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 32)
  username?: string;

  @Field(() => String, { nullable: true, description: 'A new current password (without rotating it on the host).' })
  @IsOptional()
  @Length(1, 1024)
  password?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  hostKeyFingerprint?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  timeZone?: string;

  @Field(() => ID, { nullable: true, description: 'A record this one references.' })
  @IsOptional()
  @IsUUID()
  referencedRecordId?: string;
}

@InputType({ description: 'One grant: on a record or on every record of a record type, to a user or to a user group. Name exactly one of each pair.' })
export class RecordGrantRefInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  recordId?: string;

  @Field(() => ID, { nullable: true, description: 'The grant covers every record of this type, now and later.' })
  @IsOptional()
  @IsUUID()
  recordTypeId?: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @Field(() => ID, { nullable: true, description: 'The grant holds for every member of the group.' })
  @IsOptional()
  @IsUUID()
  groupId?: string;
}

@InputType({ description: 'Replaces what the user or group may do with the record or record type; an empty list revokes everything.' })
export class GrantRecordPermissionsInput extends RecordGrantRefInput {
  @Field(() => [RecordPermission])
  @ArrayUnique()
  permissions!: RecordPermission[];
}

@InputType({ description: 'A host, port and pinned host key a shadow account’s credentials may be sent to, besides its own.' })
export class AddShadowHostInput {
  @Field(() => ID, { description: 'The record that serves as a shadow account.' })
  @IsUUID()
  recordId!: string;

  @Field(() => String)
  @Length(1, 253)
  host!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port; 22 when omitted.' })
  @IsOptional()
  @Min(1)
  @Max(65535)
  port?: number;

  @Field(() => String, { description: 'The host key to trust there, as `ssh-keygen -lf` prints it: SHA256:…' })
  hostKeyFingerprint!: string;
}

@InputType()
export class ShadowHostRefInput {
  @Field(() => ID)
  @IsUUID()
  shadowHostId!: string;
}
