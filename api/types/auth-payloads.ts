import { Field, Int, ObjectType } from 'type-graphql';
import { ApiToken, User } from '../../db/entities';
import { Connection } from './connection';

export const ApiTokenConnection = Connection(ApiToken, 'ApiToken');
export const UserConnection = Connection(User, 'User');

@ObjectType({ description: 'What login returns: a session token and who you are.' })
export class LoginPayload {
  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`. Expires after the server’s session length (12 hours by default).' })
  token!: string;

  @Field(() => User, { description: 'The user now logged in.' })
  user!: User;
}

@ObjectType({ description: 'What createApiToken returns: the token and, this once, its secret.' })
export class CreateApiTokenPayload {
  @Field(() => String, { description: 'The secret, shown only now. Steward keeps only its hash.' })
  token!: string;

  @Field(() => ApiToken, { description: 'The new token’s details (not its secret).' })
  apiToken!: ApiToken;
}

@ObjectType({ description: 'What logout and revokeApiToken return: the token, now revoked.' })
export class ApiTokenPayload {
  @Field(() => ApiToken, { description: 'The token after the change; revokedAt is set.' })
  apiToken!: ApiToken;
}

@ObjectType({ description: 'What a user account mutation returns.' })
export class UserPayload {
  @Field(() => User, { description: 'The user after the change.' })
  user!: User;
}

@ObjectType({ description: 'What changePassword returns.' })
export class ChangePasswordPayload {
  @Field(() => User, { description: 'You, after the change.' })
  user!: User;

  @Field(() => Int, { description: 'How many of your other tokens, sessions and API tokens, the change revoked.' })
  revokedTokens!: number;
}
