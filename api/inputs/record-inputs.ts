import { ArrayMaxSize, ArrayUnique, IsOptional, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { RecordPermission } from '../../lib/enums';
import { MAX_FIELD_VALUE_LENGTH, MAX_FIELDS_PER_TYPE } from '../../services/vault/record-fields';
import { UpdateSshTargetInput } from './ssh-target-input';

@InputType({ description: 'The value of one custom field the record type declares.' })
export class RecordFieldValueInput {
  @Field(() => String, { description: 'The field’s key, as the record type declares it.' })
  @Length(1, 64)
  name!: string;

  @Field(() => String, { description: 'The value; for ENUM fields one of the declared allowed values.' })
  @Length(1, MAX_FIELD_VALUE_LENGTH)
  value!: string;
}

@InputType({ description: 'Narrows the records listed; every condition must hold.' })
export class RecordFilterInput {
  @Field(() => [RecordFieldValueInput], { nullable: true, description: 'Records whose custom fields hold all these values.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FIELDS_PER_TYPE)
  @ValidateNested({ each: true })
  fields?: RecordFieldValueInput[];
}

@InputType({ description: 'Creates a record: an account on a managed host, its password and its custom fields.' })
export class CreateRecordInput {
  @Field(() => ID, { description: 'The record type: it decides the custom fields and the inherited tasks.' })
  @IsUUID()
  recordTypeId!: string;

  @Field(() => String, { description: 'The record’s display name.' })
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

  @Field(() => String, { description: 'The account name on the host, such as root or svc-backup.' })
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

  @Field(() => [RecordFieldValueInput], { nullable: true, description: 'Values of the custom fields its record type declares.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FIELDS_PER_TYPE)
  @ValidateNested({ each: true })
  fields?: RecordFieldValueInput[];
}

@InputType({ description: 'Reveals a record’s password; audited.' })
export class UnlockRecordInput {
  @Field(() => ID, { description: 'The record to unlock.' })
  @IsUUID()
  recordId!: string;

  @Field(() => String, { nullable: true, description: 'Why the password is needed; kept in the audit log.' })
  @IsOptional()
  @Length(0, 500)
  reason?: string;
}

@InputType({ description: 'Names a record to act on.' })
export class RecordRefInput {
  @Field(() => ID, { description: 'The record’s ID.' })
  @IsUUID()
  recordId!: string;
}

@InputType({ description: 'The fields to change; omitted ones stay.' })
export class UpdateRecordInput extends UpdateSshTargetInput {
  @Field(() => ID, { description: 'The record to change.' })
  @IsUUID()
  recordId!: string;

  // A record's host and port are checked here too, a system's only by its service: `declare`
  // keeps the base's fields and adds the checks.
  @Field(() => String, { nullable: true, description: 'The new host name or IP address; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 253)
  declare host?: string;

  @Field(() => Int, { nullable: true, description: 'The new SSH port; unchanged when omitted.' })
  @IsOptional()
  @Min(1)
  @Max(65535)
  declare port?: number;

  @Field(() => String, { nullable: true, description: 'The new account name on the host; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 32)
  username?: string;

  @Field(() => String, { nullable: true, description: 'A new current password (without rotating it on the host).' })
  @IsOptional()
  @Length(1, 1024)
  password?: string;

  @Field(() => String, { nullable: true, description: 'The new pinned host key, as `ssh-keygen -lf` prints it (SHA256:…); unchanged when omitted.' })
  @IsOptional()
  hostKeyFingerprint?: string;

  @Field(() => String, { nullable: true, description: 'The new IANA time zone, such as Europe/Berlin; unchanged when omitted.' })
  @IsOptional()
  timeZone?: string;

  @Field(() => ID, { nullable: true, description: 'A record this one references.' })
  @IsOptional()
  @IsUUID()
  referencedRecordId?: string;

  @Field(() => [RecordFieldValueInput], { nullable: true, description: 'Replaces every custom field value; omitted, they stay.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FIELDS_PER_TYPE)
  @ValidateNested({ each: true })
  fields?: RecordFieldValueInput[];
}

@InputType({ description: 'One grant: on a record or on every record of a record type, to a user or to a user group. Name exactly one of each pair.' })
export class RecordGrantRefInput {
  @Field(() => ID, { nullable: true, description: 'The grant covers this one record. Give exactly one of recordId and recordTypeId.' })
  @IsOptional()
  @IsUUID()
  recordId?: string;

  @Field(() => ID, { nullable: true, description: 'The grant covers every record of this type, now and later.' })
  @IsOptional()
  @IsUUID()
  recordTypeId?: string;

  @Field(() => ID, { nullable: true, description: 'The grant holds for this user. Give exactly one of userId and groupId.' })
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
  @Field(() => [RecordPermission], { description: 'The permissions to grant (each implies VIEW, and EDIT implies UNLOCK).' })
  @ArrayUnique()
  permissions!: RecordPermission[];
}

@InputType({ description: 'A host, port and pinned host key a shadow account’s credentials may be sent to, besides its own.' })
export class AddShadowHostInput {
  @Field(() => ID, { description: 'The record that serves as a shadow account.' })
  @IsUUID()
  recordId!: string;

  @Field(() => String, { description: 'Host name or IP address the shadow account’s credentials may be sent to.' })
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

@InputType({ description: 'Names a shadow host to act on.' })
export class ShadowHostRefInput {
  @Field(() => ID, { description: 'The shadow host’s ID.' })
  @IsUUID()
  shadowHostId!: string;
}
