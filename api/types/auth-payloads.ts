import { Field, Int, ObjectType } from 'type-graphql';
import { ApiToken, User } from '../../db/entities';
import { Connection } from './connection';

export const ApiTokenConnection = Connection(ApiToken, 'ApiToken');
export const UserConnection = Connection(User, 'User');

@ObjectType()
export class LoginPayload {
  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`. Expires after the server’s session length (12 hours by default).' })
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
export class ApiTokenPayload {
  @Field(() => ApiToken)
  apiToken!: ApiToken;
}

@ObjectType()
export class UserPayload {
  @Field(() => User)
  user!: User;
}

@ObjectType()
export class ChangePasswordPayload {
  @Field(() => User)
  user!: User;

  @Field(() => Int, { description: 'How many of your other tokens, sessions and API tokens, the change revoked.' })
  revokedTokens!: number;
}
