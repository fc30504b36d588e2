import { ArrayUnique, IsInt, IsOptional, Length, Max, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
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

  @Field(() => Int, { nullable: true, description: 'Days until it expires; never when omitted.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
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
