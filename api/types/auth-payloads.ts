import { Field, ObjectType } from 'type-graphql';
import { ApiToken, User } from '../../db/entities';

@ObjectType()
export class LoginPayload {
  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`. Expires after 12 hours.' })
  token!: string;

  @Field(() => User)
  user!: User;
}

@ObjectType()
export class CreateApiTokenPayload {
  @Field(() => String, { description: 'The secret, shown only now. Steward keeps only its hash.' })
  token!: string;

  @Field(() => ApiToken)
  apiToken!: ApiToken;
}

@ObjectType()
export class CreateUserPayload {
  @Field(() => User)
  user!: User;
}
