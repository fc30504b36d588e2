import { hash, verify } from '@node-rs/argon2';
import { BadInputError } from '../shared/errors';

export const MIN_PASSWORD_LENGTH = 12;
/** Verified when a username is unknown, so a failed login takes as long either way. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$zt67x1dc7xuB6rJ2IgWi1g$T+XzEXoR6PFR/d/OcQnIwN13FGxhU6xhyhi+cShb5cM';

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Whether the password matches the argon2id hash; without a hash it still spends the time of a check. */
export async function passwordMatches(passwordHash: string | undefined, password: string): Promise<boolean> {
  const valid = await verify(passwordHash ?? DUMMY_HASH, password).catch(() => false);
  return valid && passwordHash !== undefined;
}

export function requireStrongPassword(password: string, field: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new BadInputError(`A password needs at least ${MIN_PASSWORD_LENGTH} characters`, field);
}
