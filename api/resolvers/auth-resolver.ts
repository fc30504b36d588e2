import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { User } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor, currentUser } from '../context';
import { CreateApiTokenInput, CreateUserInput, LoginInput } from '../inputs/auth-inputs';
import { CreateApiTokenPayload, CreateUserPayload, LoginPayload } from '../types/auth-payloads';

@Resolver()
export class AuthResolver {
  /** The one operation open to anonymous callers: it is how they stop being anonymous. */
  @Mutation(() => LoginPayload, { description: 'Exchanges a username and password for a bearer token.' })
  async login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() context: StewardContext): Promise<LoginPayload> {
    const { token, apiToken } = await context.services.auth.login(input.username, input.password);
    context.session.token = token;
    return { token, user: apiToken.user.getEntity() };
  }

  @Authorized()
  @Query(() => User, { description: 'The signed-in user.' })
  me(@Ctx() context: StewardContext): User {
    return currentUser(context);
  }

  @Authorized()
  @Mutation(() => CreateApiTokenPayload, { description: 'Creates a token for scripts and integrations; its secret is shown once.' })
  async createApiToken(
    @Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput,
    @Ctx() context: StewardContext,
  ): Promise<CreateApiTokenPayload> {
    return context.services.auth.createApiToken(currentUser(context), input.name, input.expiresInDays);
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CreateUserPayload)
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() context: StewardContext): Promise<CreateUserPayload> {
    const user = await context.services.auth.createUser(currentActor(context), input.username, input.password, input.roles);
    return { user };
  }
}
