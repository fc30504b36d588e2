import type { AuthChecker } from 'type-graphql';
import type { Role } from '../lib/enums';
import { ForbiddenError, UnauthenticatedError } from '../services/errors';
import type { StewardContext } from './context';

/**
 * @Authorized() needs a signed-in user; @Authorized(roles) needs one of the roles. An anonymous
 * caller always gets UNAUTHENTICATED, a signed-in one without the role FORBIDDEN.
 */
export const authChecker: AuthChecker<StewardContext, Role> = ({ context }, roles) => {
  if (!context.user) throw new UnauthenticatedError();
  if (roles.length > 0 && !roles.some((role) => context.user!.roles.includes(role))) {
    throw new ForbiddenError(`This needs the role ${roles.join(' or ')}`);
  }
  return true;
};
