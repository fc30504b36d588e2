import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { User } from '../db/entities';
import type { AccountPolicy } from '../infra/config';
import type { ServicePorts, Services } from '../services';
import type { LiveSession } from './live/subscriptions';
import type { IssuedToken } from '../services/identity/token-service';
import { type Actor, actorOf } from '../services/shared/audit';
import { UnauthenticatedError } from '../services/shared/errors';

/** What the API process shares between requests. */
export interface ApiDependencies {
  orm: MikroORM;
  ports: ServicePorts;
  accounts: AccountPolicy;
  /** Whether a reverse proxy in front appends the client's address to X-Forwarded-For. */
  trustProxy: boolean;
}

/** Per request: the caller, a forked EntityManager (its own identity map) and the services over it. */
export interface StewardContext {
  user: User | null;
  /** The token the request came with: logout ends it, and a password change keeps only it. */
  tokenId: string | null;
  /** Where the request comes from, for login throttling. */
  clientAddress: string;
  /**
   * Shared by reference with the HTTP layer (Apollo copies the context object per operation):
   * login puts its token here so the response can also set the browser's session cookie, and
   * logout marks the session ended so the response clears it.
   */
  session: { login?: IssuedToken; ended?: boolean };
  em: EntityManager;
  services: Services;
  /** Over WebSocket only: what subscriptions listen to and re-check the caller with (api/live/subscriptions.ts). */
  live?: LiveSession;
}

export interface Caller {
  user: User | null;
  tokenId: string | null;
  clientAddress: string;
}

export function createContext(caller: Caller, em: EntityManager, services: Services): StewardContext {
  return { ...caller, session: {}, em, services };
}

/** The signed-in caller as an audit actor; resolvers reach this only behind @Authorized. */
export function currentActor(context: StewardContext): Actor {
  if (!context.user) throw new UnauthenticatedError();
  return actorOf(context.user);
}

export function currentUser(context: StewardContext): User {
  if (!context.user) throw new UnauthenticatedError();
  return context.user;
}

/** Who is asking, counting a user who has just signed in with this request's login. */
export function viewer(context: StewardContext): User | null {
  return context.user ?? context.session.login?.apiToken.user.getEntity() ?? null;
}
