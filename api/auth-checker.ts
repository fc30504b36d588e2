import type { AuthChecker } from 'type-graphql';
import { AuditOutcome } from '../db/entities';
import type { Role } from '../lib/enums';
import { actorOf, recordAuditEventNow } from '../services/shared/audit';
import { ForbiddenError, UnauthenticatedError } from '../services/shared/errors';
import type { StewardContext } from './context';

/**
 * @Authorized() needs a signed-in user; @Authorized(roles) needs one of the roles. An anonymous
 * caller always gets UNAUTHENTICATED, a signed-in one without the role FORBIDDEN. A refused
 * mutation is written to the audit log too.
 */
export const authChecker: AuthChecker<StewardContext, Role> = async ({ context, info }, roles) => {
  const { user } = context;
  let refusal: UnauthenticatedError | ForbiddenError | null = null;
  if (!user) refusal = new UnauthenticatedError();
  else if (roles.length > 0 && !roles.some((role) => user.roles.includes(role))) refusal = new ForbiddenError(`This needs the role ${roles.join(' or ')}`);
  if (!refusal) return true;
  if (info.parentType.name === 'Mutation') {
    await recordAuditEventNow(context.em, {
      actor: user ? actorOf(user) : { id: null, name: 'anonymous' },
      action: info.fieldName,
      outcome: AuditOutcome.REFUSED,
      details: { code: refusal.code },
    });
  }
  throw refusal;
};
