import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiToken } from '../../db/entities';
import { type StewardContext, currentUser } from '../context';
import { CreateApiTokenInput, RevokeApiTokenInput } from '../inputs/auth-inputs';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { toConnection, type ConnectionShape } from '../types/connection';
import { ApiTokenConnection, ApiTokenPayload, CreateApiTokenPayload } from '../types/auth-payloads';

/** Login sessions and API tokens: everyone manages their own, administrators anyone's. */
@Authorized()
@Resolver()
export class ApiTokenResolver {
  @Query(() => ApiTokenConnection, {
    description: 'Your tokens, login sessions included, newest first; administrators may name another user. Never their secrets.',
    complexity: connectionComplexity,
  })
  async apiTokens(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('userId', () => ID, { nullable: true, description: 'Whose tokens to list: yours when omitted; another user’s needs SYSTEM_ADMINISTRATOR.' }) userId: string | undefined,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<ApiToken>> {
    return toConnection(await context.services.tokens.list(currentUser(context), userId ?? undefined, page));
  }

  @Mutation(() => CreateApiTokenPayload, { description: 'Creates a token for scripts and integrations; its secret is shown once. It always expires.' })
  async createApiToken(@Arg('input', () => CreateApiTokenInput, { description: 'The token’s name and lifetime.' }) input: CreateApiTokenInput, @Ctx() context: StewardContext): Promise<CreateApiTokenPayload> {
    return context.services.tokens.createApiToken(currentUser(context), input.name, input.expiresInDays);
  }

  @Mutation(() => ApiTokenPayload, { description: 'Revokes a token at once: one of yours, or, for administrators, anyone’s. Revoking twice changes nothing.' })
  async revokeApiToken(@Arg('input', () => RevokeApiTokenInput, { description: 'The token to revoke.' }) input: RevokeApiTokenInput, @Ctx() context: StewardContext): Promise<ApiTokenPayload> {
    return { apiToken: await context.services.tokens.revoke(currentUser(context), input.tokenId) };
  }
}
