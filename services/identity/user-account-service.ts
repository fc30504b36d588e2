import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, Role, User } from '../../db/entities';
import { type Actor, actorOf, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import { BadInputError, NotFoundError, TooManyRequestsError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import type { LoginThrottle } from './login-throttle';
import { hashPassword, requireStrongPassword } from './passwords';
import type { TokenService } from './token-service';

const OPERATOR_COMMAND: Actor = { id: null, name: 'operator command' };

export interface PasswordChange {
  user: User;
  /** How many of the user's other tokens the change revoked. */
  revokedTokens: number;
}

/** The life of a user's account: enabling and disabling it, and its password. */
export class UserAccountService {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
  ) {}

  list(page: PageRequest): Promise<Page<User>> {
    return paginateNewestFirst(this.em, User, {}, page);
  }

  /**
   * A disabled user's tokens stop working at once and login refuses them; enabling them again
   * brings back the tokens that have neither expired nor been revoked. Nobody disables themself,
   * so an administrator cannot lock themself out.
   */
  async setEnabled(admin: User, userId: string, enabled: boolean): Promise<User> {
    const user = await findByIdOrNotFound(this.em, User, userId, 'User');
    if (!enabled && user.id === admin.id) throw new BadInputError('You cannot disable yourself', 'userId');
    if (enabled === !user.disabledAt) return user;
    user.disabledAt = enabled ? null : new Date();
    addAuditEvent(this.em, { actor: actorOf(admin), action: 'setUserEnabled', target: { type: 'User', id: user.id }, outcome: AuditOutcome.SUCCESS, details: { enabled } });
    await this.em.flush();
    return user;
  }

  /**
   * Needs the current password, checked under the login throttle so a stolen token cannot guess
   * it. A new password revokes every other token of the user, sessions and API tokens alike, since
   * a password is usually changed because it may be known to someone else.
   */
  async changePassword(user: User, keepTokenId: string | null, currentPassword: string, newPassword: string, clientAddress: string): Promise<PasswordChange> {
    await this.em.populate(user, ['passwordHash']);
    const check = await this.throttle.checkPassword(user.username, clientAddress, user.passwordHash, currentPassword);
    if (check.throttled) {
      await this.refuse(user, 'THROTTLED');
      throw new TooManyRequestsError(check.retryAfterSeconds);
    }
    if (!check.matches) {
      await this.refuse(user, 'WRONG_PASSWORD');
      throw new BadInputError('The current password is wrong', 'currentPassword');
    }
    requireStrongPassword(newPassword, 'newPassword');
    if (newPassword === currentPassword) throw new BadInputError('The new password is the current one', 'newPassword');
    return this.replacePassword(user, newPassword, keepTokenId, actorOf(user), 'changePassword');
  }

  /**
   * For an operator with database access when no administrator can sign in: sets the password,
   * revokes all the administrator's tokens, enables them again and clears their failed logins.
   */
  async resetAdministratorPassword(username: string, password: string): Promise<PasswordChange> {
    const user = await this.em.findOne(User, { username });
    if (!user) throw new NotFoundError('User', username);
    if (!user.hasRole(Role.SYSTEM_ADMINISTRATOR)) throw new BadInputError(`"${username}" is not an administrator; an administrator manages other users`, 'username');
    requireStrongPassword(password, 'password');
    user.disabledAt = null;
    const change = await this.replacePassword(user, password, null, OPERATOR_COMMAND, 'resetAdministratorPassword');
    await this.throttle.forget(username);
    return change;
  }

  private async replacePassword(user: User, password: string, keepTokenId: string | null, actor: Actor, action: string): Promise<PasswordChange> {
    user.passwordHash = await hashPassword(password);
    const revokedTokens = await this.tokens.revokeAllOf(user, keepTokenId);
    addAuditEvent(this.em, { actor, action, target: { type: 'User', id: user.id }, outcome: AuditOutcome.SUCCESS, details: { revokedTokens } });
    await this.em.flush();
    return { user, revokedTokens };
  }

  private refuse(user: User, reason: 'THROTTLED' | 'WRONG_PASSWORD'): Promise<void> {
    return recordAuditEventNow(this.em, { actor: actorOf(user), action: 'changePassword', outcome: AuditOutcome.FAILURE, details: { reason } });
  }
}
