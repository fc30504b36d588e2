import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiToken, AuditOutcome, type Role, User } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { ConflictError } from '../shared/errors';
import { hashPassword, requireStrongPassword } from './passwords';
import { hashToken, isTokenShaped } from './token-service';

/** Last-used times are written at most this often, so a busy token does not write on every request. */
const LAST_USED_PRECISION_MS = 60_000;

/** Who a request comes from, and with which token. */
export interface Authentication {
  user: User;
  tokenId: string;
}

/** Users, and who a bearer token belongs to. */
export class AuthService {
  constructor(private readonly em: EntityManager) {}

  /**
   * The user and token behind a bearer token, or null when the token is unknown, expired or
   * revoked, or its user is disabled. Checked on every request, so revoking and disabling act at once.
   */
  async authenticate(token: string): Promise<Authentication | null> {
    if (!isTokenShaped(token)) return null;
    const now = new Date();
    const apiToken = await this.em.findOne(ApiToken, { tokenHash: hashToken(token), revokedAt: null, expiresAt: { $gt: now } }, { populate: ['user'] });
    const user = apiToken?.user.getEntity();
    if (!apiToken || !user || user.disabledAt) return null;
    if (!apiToken.lastUsedAt || now.getTime() - apiToken.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      await this.em.nativeUpdate(ApiToken, { id: apiToken.id }, { lastUsedAt: now });
    }
    return { user, tokenId: apiToken.id };
  }

  async createUser(actor: Actor, username: string, password: string, roles: Role[]): Promise<User> {
    if (await this.em.count(User, { username })) throw new ConflictError(`A user named "${username}" already exists`);
    requireStrongPassword(password, 'password');
    const user = this.em.create(User, { username, passwordHash: await hashPassword(password), roles });
    addAuditEvent(this.em, {
      actor,
      action: 'createUser',
      target: { type: 'User', id: user.id },
      outcome: AuditOutcome.SUCCESS,
      details: { username, roles },
    });
    await this.em.flush();
    return user;
  }
}
