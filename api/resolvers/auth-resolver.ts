import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { User } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor, currentUser } from '../context';
import { ChangePasswordInput, CreateUserInput, LoginInput } from '../inputs/auth-inputs';
import { ApiTokenPayload, ChangePasswordPayload, LoginPayload, UserPayload } from '../types/auth-payloads';

@Resolver()
export class AuthResolver {
  /** The one operation open to anonymous callers: it is how they stop being anonymous. */
  @Mutation(() => LoginPayload, {
    description: 'Exchanges a username and password for a bearer token. Throttled per username and per client address (TOO_MANY_REQUESTS); one per request.',
  })
  async login(@Arg('input', () => LoginInput, { description: 'Your username and password.' }) input: LoginInput, @Ctx() context: StewardContext): Promise<LoginPayload> {
    const issued = await context.services.logins.login(input.username, input.password, context.clientAddress);
    context.session.login = issued;
    return { token: issued.token, user: issued.apiToken.user.getEntity() };
  }

  @Authorized()
  @Mutation(() => ApiTokenPayload, { description: 'Ends the login session the request came with, and clears its cookie.' })
  async logout(@Ctx() context: StewardContext): Promise<ApiTokenPayload> {
    const apiToken = await context.services.tokens.endSession(currentUser(context), context.tokenId);
    context.session.ended = true;
    return { apiToken };
  }

  @Authorized()
  @Query(() => User, { description: 'The signed-in user.' })
  me(@Ctx() context: StewardContext): User {
    return currentUser(context);
  }

  @Authorized()
  @Mutation(() => ChangePasswordPayload, { description: 'Changes your own password; it needs the current one, and revokes all your other tokens.' })
  async changePassword(@Arg('input', () => ChangePasswordInput, { description: 'Your current password and the new one.' }) input: ChangePasswordInput, @Ctx() context: StewardContext): Promise<ChangePasswordPayload> {
    return context.services.userAccounts.changePassword(currentUser(context), context.tokenId, input.currentPassword, input.newPassword, context.clientAddress);
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => UserPayload, { description: 'Creates a user account with a password and roles. Needs SYSTEM_ADMINISTRATOR.' })
  async createUser(@Arg('input', () => CreateUserInput, { description: 'The new user’s username, password and roles.' }) input: CreateUserInput, @Ctx() context: StewardContext): Promise<UserPayload> {
    const user = await context.services.auth.createUser(currentActor(context), input.username, input.password, input.roles);
    return { user };
  }
}
