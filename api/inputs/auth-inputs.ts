import { ArrayUnique, IsInt, IsOptional, IsUUID, Length, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { Role } from '../../lib/enums';

@InputType({ description: 'A username and password to log in with.' })
export class LoginInput {
  @Field(() => String, { description: 'The user’s username.' })
  @Length(1, 64)
  username!: string;

  @Field(() => String, { description: 'The user’s password.' })
  @Length(1, 1024)
  password!: string;
}

@InputType({ description: 'Creates an API token for you.' })
export class CreateApiTokenInput {
  @Field(() => String, { description: 'What the token is for, e.g. "CI pipeline".' })
  @Length(1, 128)
  name!: string;

  @Field(() => Int, { nullable: true, description: "Days until it expires: the server's default when omitted, and never more than its maximum." })
  @IsOptional()
  @IsInt()
  @Min(1)
  expiresInDays?: number;
}

@InputType({ description: 'Revokes an API token at once.' })
export class RevokeApiTokenInput {
  @Field(() => ID, { description: 'One of your tokens; administrators may name anyone’s.' })
  @IsUUID()
  tokenId!: string;
}

@InputType({ description: 'Creates a user account.' })
export class CreateUserInput {
  @Field(() => String, { description: 'The name the user logs in with, unique.' })
  @Length(1, 64)
  username!: string;

  @Field(() => String, { description: 'At least 12 characters; stored as an argon2id hash.' })
  @Length(12, 1024)
  password!: string;

  @Field(() => [Role], { defaultValue: [], description: 'The user’s roles; may be empty (then the user gets only what grants and permission sets give).' })
  @ArrayUnique()
  roles!: Role[];
}

@InputType({ description: 'Changes your own password; your other tokens are revoked.' })
export class ChangePasswordInput {
  @Field(() => String, { description: 'Your password now, to prove it is you.' })
  @Length(1, 1024)
  currentPassword!: string;

  @Field(() => String, { description: 'At least 12 characters.' })
  @Length(12, 1024)
  newPassword!: string;
}

@InputType({ description: 'Enables or disables a user account; a disabled user cannot log in and their tokens stop working.' })
export class SetUserEnabledInput {
  @Field(() => ID, { description: 'The user to enable or disable.' })
  @IsUUID()
  userId!: string;

  @Field(() => Boolean, { description: 'True to enable, false to disable.' })
  enabled!: boolean;
}
