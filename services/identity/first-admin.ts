import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../../db/entities';
import { Role } from '../../lib/enums';
import { SYSTEM_ACTOR } from '../shared/audit';
import { AuthService } from './auth-service';

export interface FirstAdmin {
  username: string;
  /** Set only when Steward generated the password: it is shown once and never stored in clear. */
  generatedPassword?: string;
}

/** Creates the first System Administrator when there are no users yet. */
export async function ensureFirstAdmin(em: EntityManager, username: string, password?: string): Promise<FirstAdmin | null> {
  if ((await em.count(User, {})) > 0) return null;
  const chosen = password ?? randomBytes(18).toString('base64url');
  await new AuthService(em).createUser(SYSTEM_ACTOR, username, chosen, [Role.SYSTEM_ADMINISTRATOR, Role.OPERATOR]);
  return { username, generatedPassword: password ? undefined : chosen };
}
