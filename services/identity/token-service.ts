import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiToken, AuditOutcome, Role, TokenKind, type User } from '../../db/entities';
import type { AccountPolicy } from '../../infra/config';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ForbiddenError, NotFoundError } from '../shared/errors';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import { assertId } from '../shared/validation';

const TOKEN_PREFIX = 'stw_';
const DAY_MS = 86_400_000;

export interface IssuedToken {
  token: string;
  apiToken: ApiToken;
}

export function isTokenShaped(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Login sessions and API tokens: issuing them with an expiry, listing and revoking them. */
export class TokenService {
  constructor(
    private readonly em: EntityManager,
    private readonly policy: AccountPolicy,
  ) {}

  /** A login's token; the caller flushes it with the login's audit entry. */
  issueSession(user: User): IssuedToken {
    return this.issue(user, 'login', TokenKind.SESSION, new Date(Date.now() + this.policy.sessionHours * 3_600_000));
  }

  /**
   * Every API token expires: after the default lifetime when none is asked for, and never later
   * than the maximum, whatever token (a short login session included) asks for it.
   */
  async createApiToken(user: User, name: string, expiresInDays?: number | null): Promise<IssuedToken> {
    const days = expiresInDays ?? this.policy.apiTokenDefaultDays;
    if (!Number.isInteger(days) || days < 1 || days > this.policy.apiTokenMaxDays) {
      throw new BadInputError(`An API token lives between 1 and ${this.policy.apiTokenMaxDays} days`, 'expiresInDays');
    }
    const issued = this.issue(user, name, TokenKind.API, new Date(Date.now() + days * DAY_MS));
    addAuditEvent(this.em, {
      actor: actorOf(user),
      action: 'createApiToken',
      target: { type: 'ApiToken', id: issued.apiToken.id },
      outcome: AuditOutcome.SUCCESS,
      details: { name, expiresAt: issued.apiToken.expiresAt.toISOString() },
    });
    await this.em.flush();
    return issued;
  }

  /** The caller's tokens, or, for administrators, any user's; newest first, revoked and expired ones included. */
  list(caller: User, userId: string | undefined, page: PageRequest): Promise<Page<ApiToken>> {
    const owner = userId ?? caller.id;
    if (owner !== caller.id && !caller.hasRole(Role.SYSTEM_ADMINISTRATOR)) throw new ForbiddenError("Only administrators read other users' tokens");
    assertId(owner, 'User');
    return paginateNewestFirst(this.em, ApiToken, { user: owner }, page);
  }

  /** Revokes one of the caller's tokens, or, for administrators, anyone's. Revoking twice changes nothing. */
  async revoke(caller: User, tokenId: string): Promise<ApiToken> {
    assertId(tokenId, 'Token');
    const token = await this.em.findOne(ApiToken, { id: tokenId });
    // Someone else's token answers like a missing one, so its existence does not leak.
    if (!token || (token.user.id !== caller.id && !caller.hasRole(Role.SYSTEM_ADMINISTRATOR))) throw new NotFoundError('Token', tokenId);
    return this.end(caller, token, 'revokeApiToken');
  }

  /** Logout: ends the login session the request came with. */
  async endSession(caller: User, tokenId: string | null): Promise<ApiToken> {
    const token = tokenId ? await this.em.findOne(ApiToken, { id: tokenId, user: caller }) : null;
    if (token?.kind !== TokenKind.SESSION) {
      throw new BadInputError('logout ends a login session; revoke an API token with revokeApiToken');
    }
    return this.end(caller, token, 'logout');
  }

  /** Marks every live token of the user revoked but the one kept; the caller flushes. Returns how many. */
  async revokeAllOf(user: User, keepTokenId?: string | null): Promise<number> {
    const live = await this.em.find(ApiToken, {
      user,
      revokedAt: null,
      expiresAt: { $gt: new Date() },
      ...(keepTokenId ? { id: { $ne: keepTokenId } } : {}),
    });
    const now = new Date();
    for (const token of live) token.revokedAt = now;
    return live.length;
  }

  private async end(caller: User, token: ApiToken, action: string): Promise<ApiToken> {
    if (token.revokedAt) return token;
    token.revokedAt = new Date();
    addAuditEvent(this.em, {
      actor: actorOf(caller),
      action,
      target: { type: 'ApiToken', id: token.id },
      outcome: AuditOutcome.SUCCESS,
      details: { name: token.name, kind: token.kind, ownerId: token.user.id },
    });
    await this.em.flush();
    return token;
  }

  private issue(user: User, name: string, kind: TokenKind, expiresAt: Date): IssuedToken {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const apiToken = this.em.create(ApiToken, { user, name, kind, tokenHash: hashToken(token), expiresAt });
    return { token, apiToken };
  }
}
