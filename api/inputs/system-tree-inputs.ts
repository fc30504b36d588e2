import { IsOptional, IsUUID, Length } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { UpdateSshTargetInput } from './ssh-target-input';

@InputType()
export class CreateGroupInput {
  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => ID, { description: 'The group to create it under.' })
  parentId!: string;
}

@InputType()
export class RenameGroupInput {
  @Field(() => ID)
  @IsUUID()
  groupId!: string;

  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;
}

@InputType()
export class MoveGroupInput {
  @Field(() => ID)
  @IsUUID()
  groupId!: string;

  @Field(() => ID, { description: 'The new parent; not the group itself nor one of its subgroups.' })
  parentId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;
}

@InputType()
export class DeleteGroupInput {
  @Field(() => ID)
  @IsUUID()
  groupId!: string;
}

@InputType()
export class CreateSystemInput {
  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => ID)
  groupId!: string;

  @Field(() => String)
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
}

@InputType()
export class UpdateSystemInput extends UpdateSshTargetInput {
  @Field(() => ID)
  @IsUUID()
  systemId!: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  credentialRecordId?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  hostKeyFingerprint?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  timeZone?: string;
}

@InputType()
export class MoveSystemInput {
  @Field(() => ID)
  @IsUUID()
  systemId!: string;

  @Field(() => ID)
  groupId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;
}

@InputType()
export class DeleteSystemInput {
  @Field(() => ID)
  @IsUUID()
  systemId!: string;
}
