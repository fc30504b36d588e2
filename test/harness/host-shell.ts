/**
 * Changing what a host account's commands do, for tests that must hold, slow down or watch a
 * step on the host: sshd runs each command through bash, which sources ~/.bashrc first (Debian
 * builds bash with SSH_SOURCE_BASHRC).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function homeOf(username: string): string {
  return execFileSync('getent', ['passwd', username], { encoding: 'utf8' }).trim().split(':')[5]!;
}

/**
 * Puts shell code (typically a function shadowing a program) first in the account's ~/.bashrc:
 * Debian's skeleton .bashrc returns early when the shell is not interactive.
 */
export function prependToBashrc(username: string, code: string): string {
  const bashrc = path.join(homeOf(username), '.bashrc');
  const existing = existsSync(bashrc) ? readFileSync(bashrc, 'utf8') : '';
  writeFileSync(bashrc, `${code}\n${existing}`);
  return bashrc;
}
