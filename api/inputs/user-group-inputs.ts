import { IsUUID, Length } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CreateUserGroupInput {
  @Field(() => String)
  @Length(1, 128)
  name!: string;
}

@InputType()
export class RenameUserGroupInput {
  @Field(() => ID)
  @IsUUID()
  groupId!: string;

  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => Int, { description: 'The version you read; if someone changed the group since, CONFLICT.' })
  version!: number;
}

@InputType()
export class UserGroupRefInput {
  @Field(() => ID)
  @IsUUID()
  groupId!: string;
}

@InputType()
export class UserGroupMemberInput {
  @Field(() => ID)
  @IsUUID()
  groupId!: string;

  @Field(() => ID)
  @IsUUID()
  userId!: string;
}
