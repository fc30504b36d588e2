import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentUser, viewer } from '../context';
import { SetUserEnabledInput } from '../inputs/auth-inputs';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { UserConnection, UserPayload } from '../types/auth-payloads';
import { toConnection, type ConnectionShape } from '../types/connection';

/** Whether the caller may see more of a user than the name: administrators, and the user themself. */
function seesAccountOf(context: StewardContext, user: User): boolean {
  const caller = viewer(context);
  return caller !== null && (caller.id === user.id || caller.hasRole(Role.SYSTEM_ADMINISTRATOR));
}

@Resolver(() => User)
export class UserResolver {
  @Authorized()
  @Query(() => UserConnection, { description: 'Every user, newest first; to anyone but administrators, by name only.', complexity: connectionComplexity })
  async users(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext): Promise<ConnectionShape<User>> {
    return toConnection(await context.services.userAccounts.list(page));
  }

  @FieldResolver(() => [Role], { nullable: true, description: 'Shown to administrators and to the user themself; null to everyone else.' })
  roles(@Root() user: User, @Ctx() context: StewardContext): Role[] | null {
    return seesAccountOf(context, user) ? user.roles : null;
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'Whether an administrator has disabled the user; shown to administrators and to the user themself, null to everyone else.',
  })
  disabled(@Root() user: User, @Ctx() context: StewardContext): boolean | null {
    return seesAccountOf(context, user) ? Boolean(user.disabledAt) : null;
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => UserPayload, {
    description: 'Disables a user, whose tokens stop working at once and whose logins are refused, or enables them again. Nobody disables themself.',
  })
  async setUserEnabled(@Arg('input', () => SetUserEnabledInput, { description: 'The user and whether their account is enabled.' }) input: SetUserEnabledInput, @Ctx() context: StewardContext): Promise<UserPayload> {
    return { user: await context.services.userAccounts.setEnabled(currentUser(context), input.userId, input.enabled) };
  }
}
