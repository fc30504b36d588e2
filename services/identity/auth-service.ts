import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiToken, AuditOutcome, Role, TokenKind, User } from '../../db/entities';
import { type Actor, actorOf, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import { BadInputError, ConflictError, UnauthenticatedError } from '../shared/errors';

const SESSION_HOURS = 12;
const TOKEN_PREFIX = 'stw_';
/** Verified when a username is unknown, so a failed login takes as long either way. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$zt67x1dc7xuB6rJ2IgWi1g$T+XzEXoR6PFR/d/OcQnIwN13FGxhU6xhyhi+cShb5cM';

export interface IssuedToken {
  token: string;
  apiToken: ApiToken;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Users, logins and bearer tokens. */
export class AuthService {

  constructor(private readonly em: EntityManager) {}

  async login(username: string, password: string): Promise<IssuedToken> {
    const user = await this.em.findOne(User, { username }, { populate: ['passwordHash'] });
    const valid = await verify(user?.passwordHash ?? DUMMY_HASH, password).catch(() => false);
    if (!user || !valid) {
      await recordAuditEventNow(this.em, {
        actor: { id: user?.id ?? null, name: username.slice(0, 64) },
        action: 'login',
        outcome: AuditOutcome.FAILURE,
      });
      throw new UnauthenticatedError('Unknown username or wrong password');
    }
    const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
    const issued = this.issueToken(user, 'login', TokenKind.SESSION, expiresAt);
    addAuditEvent(this.em, { actor: actorOf(user), action: 'login', outcome: AuditOutcome.SUCCESS });
    await this.em.flush();
    return issued;
  }

  async createApiToken(user: User, name: string, expiresInDays?: number | null): Promise<IssuedToken> {
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86400_000) : undefined;
    const issued = this.issueToken(user, name, TokenKind.API, expiresAt);
    addAuditEvent(this.em, {
      actor: actorOf(user),
      action: 'createApiToken',
      target: { type: 'ApiToken', id: issued.apiToken.id },
      outcome: AuditOutcome.SUCCESS,
      details: { name, expiresAt: expiresAt?.toISOString() ?? null },
    });
    await this.em.flush();
    return issued;
  }

  /** The user a bearer token belongs to, or null when it is unknown, expired or revoked. */
  async authenticate(token: string): Promise<User | null> {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const apiToken = await this.em.findOne(ApiToken, { tokenHash: hashToken(token) }, { populate: ['user'] });
    if (!apiToken || apiToken.revokedAt || (apiToken.expiresAt && apiToken.expiresAt <= new Date())) return null;
    return apiToken.user.getEntity();
  }

  async createUser(actor: Actor, username: string, password: string, roles: Role[]): Promise<User> {
    if (await this.em.count(User, { username })) throw new ConflictError(`A user named "${username}" already exists`);
    if (password.length < 12) throw new BadInputError('A password needs at least 12 characters', 'password');
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

  private issueToken(user: User, name: string, kind: TokenKind, expiresAt?: Date): IssuedToken {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const apiToken = this.em.create(ApiToken, { user, name, kind, tokenHash: hashToken(token), expiresAt });
    return { token, apiToken };
  }
}
