import { IsUUID, Length } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'Creates a user group.' })
export class CreateUserGroupInput {
  @Field(() => String, { description: 'The group’s name, unique.' })
  @Length(1, 128)
  name!: string;
}

@InputType({ description: 'Renames a user group.' })
export class RenameUserGroupInput {
  @Field(() => ID, { description: 'The user group to rename.' })
  @IsUUID()
  groupId!: string;

  @Field(() => String, { description: 'The new name, unique.' })
  @Length(1, 128)
  name!: string;

  @Field(() => Int, { description: 'The version you read; if someone changed the group since, CONFLICT.' })
  version!: number;
}

@InputType({ description: 'Names a user group to act on.' })
export class UserGroupRefInput {
  @Field(() => ID, { description: 'The user group’s ID.' })
  @IsUUID()
  groupId!: string;
}

@InputType({ description: 'A user and a user group, to add the user to or remove them from.' })
export class UserGroupMemberInput {
  @Field(() => ID, { description: 'The user group.' })
  @IsUUID()
  groupId!: string;

  @Field(() => ID, { description: 'The user to add or remove.' })
  @IsUUID()
  userId!: string;
}
