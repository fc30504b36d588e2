import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, User } from '../../db/entities';
import { actorOf, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import { TooManyRequestsError, UnauthenticatedError } from '../shared/errors';
import type { LoginThrottle } from './login-throttle';
import type { IssuedToken, TokenService } from './token-service';

/** Signing in with a username and password, throttled per username and per client address. */
export class LoginService {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
  ) {}

  async login(username: string, password: string, clientAddress: string): Promise<IssuedToken> {
    const user = await this.em.findOne(User, { username }, { populate: ['passwordHash'] });
    const check = await this.throttle.checkPassword(username, clientAddress, user?.passwordHash, password);
    if (check.throttled) {
      await this.refuse(user, username, clientAddress, 'THROTTLED');
      throw new TooManyRequestsError(check.retryAfterSeconds);
    }
    if (!user || !check.matches) {
      await this.refuse(user, username, clientAddress, user ? 'WRONG_PASSWORD' : 'UNKNOWN_USERNAME');
      throw new UnauthenticatedError('Unknown username or wrong password');
    }
    if (user.disabledAt) {
      await this.refuse(user, username, clientAddress, 'DISABLED');
      throw new UnauthenticatedError('This user is disabled; ask an administrator to enable it');
    }
    const issued = this.tokens.issueSession(user);
    addAuditEvent(this.em, { actor: actorOf(user), action: 'login', outcome: AuditOutcome.SUCCESS, details: { clientAddress } });
    await this.em.flush();
    return issued;
  }

  private refuse(user: User | null, username: string, clientAddress: string, reason: 'THROTTLED' | 'UNKNOWN_USERNAME' | 'WRONG_PASSWORD' | 'DISABLED'): Promise<void> {
    return recordAuditEventNow(this.em, {
      actor: { id: user?.id ?? null, name: username.slice(0, 64) },
      action: 'login',
      outcome: AuditOutcome.FAILURE,
      details: { reason, clientAddress },
    });
  }
}
