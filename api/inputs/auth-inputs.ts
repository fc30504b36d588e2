import { ArrayUnique, IsInt, IsOptional, IsUUID, Length, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { Role } from '../../lib/enums';

@InputType()
export class LoginInput {
  @Field(() => String)
  @Length(1, 64)
  username!: string;

  @Field(() => String)
  @Length(1, 1024)
  password!: string;
}

@InputType()
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

@InputType()
export class RevokeApiTokenInput {
  @Field(() => ID, { description: 'One of your tokens; administrators may name anyone’s.' })
  @IsUUID()
  tokenId!: string;
}

@InputType()
export class CreateUserInput {
  @Field(() => String)
  @Length(1, 64)
  username!: string;

  @Field(() => String, { description: 'At least 12 characters; stored as an argon2id hash.' })
  @Length(12, 1024)
  password!: string;

  @Field(() => [Role], { defaultValue: [] })
  @ArrayUnique()
  roles!: Role[];
}

@InputType()
export class ChangePasswordInput {
  @Field(() => String)
  @Length(1, 1024)
  currentPassword!: string;

  @Field(() => String, { description: 'At least 12 characters.' })
  @Length(12, 1024)
  newPassword!: string;
}

@InputType()
export class SetUserEnabledInput {
  @Field(() => ID)
  @IsUUID()
  userId!: string;

  @Field(() => Boolean)
  enabled!: boolean;
}
