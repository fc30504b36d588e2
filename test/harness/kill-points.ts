/**
 * Stopping work at a chosen step, so a test can SIGKILL a worker there: a worker that hangs given
 * jobs at given activities (kill-point-worker.ts), and, on the host, commands that hold until the
 * test releases them and leave a trace of each password they set.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withSshSession } from '../../infra/ssh';
import { homeOf, prependToBashrc } from './host-shell';
import { type ScriptProcess, startScriptProcess } from './script-process';
import { sshTarget } from './vault-fixtures';

/** A job stopped once one of its activities has finished: the work is done, but Temporal never hears of it. */
export interface KillPoint {
  jobId: string;
  activity: string;
}

/** The environment variable the kill-point worker reads its kill points from, as JSON. */
export const KILL_POINTS_VARIABLE = 'STEWARD_KILL_POINTS';

export function killPointMarker(point: KillPoint): string {
  return `kill point reached: ${point.activity} finished for job ${point.jobId}`;
}

export interface KillPointWorker extends ScriptProcess {
  /** Whether the worker has stopped at the kill point. */
  reached(point: KillPoint): boolean;
}

/** Starts test/harness/kill-point-worker.ts for a node (`extraEnv` adds to its environment, e.g. DATABASE_URL); resolves once it serves its task queue. */
export async function startKillPointWorker(nodeName: string, points: KillPoint[], extraEnv: Record<string, string> = {}): Promise<KillPointWorker> {
  const scripts = path.resolve(__dirname, '..', '..', 'scripts');
  const worker = await startScriptProcess({
    script: path.relative(scripts, path.join(__dirname, 'kill-point-worker.ts')),
    name: `the kill-point worker for node "${nodeName}"`,
    ready: { line: 'serving task queue', meaning: 'serving its task queue' },
    env: { STEWARD_NODE: nodeName, [KILL_POINTS_VARIABLE]: JSON.stringify(points), ...extraEnv },
  });
  return { ...worker, reached: (point) => worker.logs().includes(killPointMarker(point)) };
}

const hostFile = (username: string, name: string) => path.join(homeOf(username), name);
const HOLD = '.steward-hold';
const HELD = '.steward-held';
const RELEASED = '.steward-released';
const CHANGES = '.steward-password-changes';

/**
 * Shell that holds, the first time it runs for an account asked to hold (holdNextCommand), until
 * the test releases it (or two minutes pass), having said it holds.
 */
export const HOLD_ONCE = [
  `if [ -e "$HOME/${HOLD}" ] && [ ! -e "$HOME/${HELD}" ]; then`,
  `  : > "$HOME/${HELD}"; steward_tries=0`,
  `  until [ -e "$HOME/${RELEASED}" ] || [ $steward_tries -ge 600 ]; do sleep 0.2; steward_tries=$((steward_tries + 1)); done`,
  'fi',
].join('\n');

/** The next held command of the account (HOLD_ONCE) holds until released. */
export function holdNextCommand(username: string): void {
  writeFileSync(hostFile(username, HOLD), '');
}

/** Whether a command of the account holds now. */
export function isHeld(username: string): boolean {
  return existsSync(hostFile(username, HELD));
}

/** Lets the held command of the account go on. */
export function release(username: string): void {
  writeFileSync(hostFile(username, RELEASED), '');
}

/** Where each tool finds the new password on its stdin: passwd reads current, new, new; chpasswd `user:password`. */
const NEW_PASSWORD = { passwd: 'sed -n 2p', chpasswd: 'sed -n 1p | cut -d: -f2-' } as const;

/**
 * Wraps `passwd` or `chpasswd` for the commands sshd runs as the account, with a function in its
 * ~/.bashrc (Debian builds bash with SSH_SOURCE_BASHRC): it holds if asked (HOLD_ONCE), runs the
 * tool, and, when the tool succeeds, appends the SHA-256 of the password it set to a file in the
 * home. The function goes first: Debian's skeleton .bashrc returns early when not interactive.
 */
export async function tracePasswordChanges(account: { username: string; password: string }, tool: keyof typeof NEW_PASSWORD): Promise<void> {
  const wrapper = [
    `${tool}() {`,
    '  local input; input=$(cat)',
    HOLD_ONCE,
    `  printf '%s\\n' "$input" | command ${tool} "$@" || return`,
    `  printf '%s\\n' "$input" | ${NEW_PASSWORD[tool]} | tr -d '\\n' | sha256sum | cut -d' ' -f1 >> "$HOME/${CHANGES}"`,
    '}',
  ].join('\n');
  const bashrc = prependToBashrc(account.username, wrapper);
  const seen = await withSshSession(sshTarget(account.username, account.password), (session) => session.exec(`type -t ${tool}`));
  if (seen.stdout.trim() !== 'function') {
    throw new Error(`the host's bash did not pick up the ${tool} wrapper from ${bashrc} (type -t ${tool}: ${JSON.stringify(seen.stdout)})`);
  }
}

/** The passwords the wrapped tool set for the account, oldest first, as SHA-256 (compare with passwordDigest). */
export function passwordChanges(username: string): string[] {
  const file = hostFile(username, CHANGES);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export function passwordDigest(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}
