import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { User } from '../db/entities';
import type { ServicePorts, Services } from '../services';
import { type Actor, actorOf } from '../services/shared/audit';
import { UnauthenticatedError } from '../services/shared/errors';

/** What the API process shares between requests. */
export interface ApiDependencies {
  orm: MikroORM;
  ports: ServicePorts;
}

/** Per request: the caller, a forked EntityManager (its own identity map) and the services over it. */
export interface StewardContext {
  user: User | null;
  /**
   * Shared by reference with the HTTP layer (Apollo copies the context object per operation):
   * login puts its token here so the response can also set the browser's session cookie.
   */
  session: { token?: string };
  em: EntityManager;
  services: Services;
}

export function createContext(user: User | null, em: EntityManager, services: Services): StewardContext {
  return { user, session: {}, em, services };
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
