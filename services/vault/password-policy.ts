import { randomInt } from 'node:crypto';

export interface PasswordPolicy {
  length: number;
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
/** Symbols that need no quoting in a shell, PowerShell or chpasswd line. */
const SYMBOLS = '#%+-=?@^_~';
const CLASSES = [LOWER, UPPER, DIGITS, SYMBOLS];

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { length: 24 };

/** A random password with at least one character of every class, from a CSPRNG. */
export function generatePassword(policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): string {
  if (policy.length < CLASSES.length * 2) throw new Error(`a generated password needs at least ${CLASSES.length * 2} characters`);
  const all = CLASSES.join('');
  const chars = CLASSES.map((set) => pick(set));
  while (chars.length < policy.length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function pick(set: string): string {
  return set[randomInt(set.length)]!;
}
