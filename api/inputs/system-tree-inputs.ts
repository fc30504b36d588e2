import { IsOptional, IsUUID, Length } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { UpdateSshTargetInput } from './ssh-target-input';

@InputType({ description: 'Creates a system group.' })
export class CreateGroupInput {
  @Field(() => String, { description: 'The group’s name, as the system tree shows it.' })
  @Length(1, 128)
  name!: string;

  @Field(() => ID, { description: 'The group to create it under.' })
  parentId!: string;
}

@InputType({ description: 'Renames a system group.' })
export class RenameGroupInput {
  @Field(() => ID, { description: 'The system group to rename.' })
  @IsUUID()
  groupId!: string;

  @Field(() => String, { description: 'The group’s new name.' })
  @Length(1, 128)
  name!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;
}

@InputType({ description: 'Moves a system group, with everything under it, to another parent.' })
export class MoveGroupInput {
  @Field(() => ID, { description: 'The system group to move.' })
  @IsUUID()
  groupId!: string;

  @Field(() => ID, { description: 'The new parent; not the group itself nor one of its subgroups.' })
  parentId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;
}

@InputType({ description: 'Deletes a system group.' })
export class DeleteGroupInput {
  @Field(() => ID, { description: 'The system group to delete.' })
  @IsUUID()
  groupId!: string;
}

@InputType({ description: 'Adds a managed system to the system tree.' })
export class CreateSystemInput {
  @Field(() => String, { description: 'The system’s display name.' })
  @Length(1, 128)
  name!: string;

  @Field(() => ID, { description: 'The group the system goes in.' })
  groupId!: string;

  @Field(() => String, { description: 'The system’s host name or IP address, reached over SSH.' })
  host!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port; 22 unless given.' })
  @IsOptional()
  port?: number;

  @Field(() => ID, { nullable: true, description: 'The vault record whose account Steward uses to reach the system.' })
  @IsOptional()
  credentialRecordId?: string;

  @Field(() => String, { description: 'The pinned host-key fingerprint, as ssh-keygen -lf prints it (SHA256:...).' })
  hostKeyFingerprint!: string;

  @Field(() => String, { nullable: true, description: 'IANA time zone; UTC unless given.' })
  @IsOptional()
  timeZone?: string;

  @Field(() => String, { nullable: true, description: 'The registered worker node that reaches the system over SSH; "local" when omitted.' })
  @IsOptional()
  @Length(1, 63)
  executionNode?: string;
}

@InputType({ description: 'Changes a managed system; fields left out keep their values.' })
export class UpdateSystemInput extends UpdateSshTargetInput {
  @Field(() => ID, { description: 'The managed system to change.' })
  @IsUUID()
  systemId!: string;

  @Field(() => ID, { nullable: true, description: 'The record whose credentials log in to the system; unchanged when omitted.' })
  @IsOptional()
  credentialRecordId?: string;

  @Field(() => String, { nullable: true, description: 'The new pinned host key, as `ssh-keygen -lf` prints it (SHA256:…); unchanged when omitted.' })
  @IsOptional()
  hostKeyFingerprint?: string;

  @Field(() => String, { nullable: true, description: 'The system’s new IANA time zone, such as Europe/Berlin; unchanged when omitted.' })
  @IsOptional()
  timeZone?: string;

  @Field(() => String, { nullable: true, description: 'The registered worker node that now reaches the system; unchanged when omitted. Jobs already running finish where they started.' })
  @IsOptional()
  @Length(1, 63)
  executionNode?: string;
}

@InputType({ description: 'Moves a managed system to another group.' })
export class MoveSystemInput {
  @Field(() => ID, { description: 'The managed system to move.' })
  @IsUUID()
  systemId!: string;

  @Field(() => ID, { description: 'The group to move the system to.' })
  groupId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;
}

@InputType({ description: 'Deletes a managed system.' })
export class DeleteSystemInput {
  @Field(() => ID, { description: 'The managed system to delete.' })
  @IsUUID()
  systemId!: string;
}
