import { canLogin, type ExecOptions, HostKeyMismatchError, SshAuthenticationError, type SshTarget, withSshSession } from '../../infra/ssh';
import { execStoppable, execUntilAborted } from '../../infra/stoppable-exec';
import { redact } from '../shared/redaction';
import { type HostKeySeen, hostKeySeen } from '../systems/host-key-mismatch';
import type { GrantedJob } from '../nodes/node-credentials';

/** How a command's lines are followed, and whether an earlier attempt may have left it running (`execStoppable`). */
export interface CommandOptions {
  onOutput?: ExecOptions['onOutput'];
  earlierAttempt?: boolean;
}

/**
 * A command to run on a record's host, with all it needs and nothing from the database or the
 * master key: the central worker plans it, and whichever worker reaches the host, the local one
 * or a remote node's, runs it (`commandOnHost`).
 */
export interface HostCommand {
  /** Who runs it: the account with its current password, or a shadow account. */
  connectAs: SshTarget;
  command: string;
  stdin: string;
  env?: Record<string, string>;
  /** Whether a POSIX shell runs it, so a cancel can stop it on the host. */
  posixShell: boolean;
  /** Names the run on the host so it can be stopped: the job's ID. */
  runLabel: string;
  /** How a failure names what ran. */
  label: string;
  /** Never shown in the output kept: the passwords involved. */
  secrets: string[];
  /** For a remote node: the job whose live output follows the command's lines, and its grant (a Custom Command's). */
  liveOutput?: GrantedJob;
}

export interface HostCommandOutcome {
  exitCode: number;
  /** stdout and stderr, secrets redacted. */
  output: string;
}

/** Everything the change step of a rotation needs on the host (RotationService.planHostChange). */
export interface HostChange extends HostCommand {
  /** The account with the pending password, to find a change an earlier attempt already made. */
  pendingLogin: SshTarget;
  /** The vault knows the host took the pending password (an earlier attempt's worker died before reporting): that login comes first. */
  pendingFirst: boolean;
  /** The change logs in as the account itself, so a refused login may mean an earlier attempt set the pending password. */
  asAccount: boolean;
}

export type HostChangeOutcome = { alreadyChanged: true } | ({ alreadyChanged: false } & HostCommandOutcome);

/**
 * Runs the change, which logs in with the password that works now. Only when the account's own
 * login is refused is the pending password tried, as an earlier attempt may have set it: a
 * rotation never spends a failed login (pam_faillock, fail2ban) on a password the host cannot
 * know yet. A shadow account's login says nothing of the account's password, and repeating its
 * reset sets the same password again. Aborting the signal stops the change on a Unix host and
 * throws. Host-key and authentication errors are thrown as they are, for the caller to judge.
 */
export async function changeOnHost(change: HostChange, signal: AbortSignal): Promise<HostChangeOutcome> {
  if (change.pendingFirst && (await canLogin(change.pendingLogin))) return { alreadyChanged: true };
  try {
    return { alreadyChanged: false, ...(await commandOnHost(change, signal)) };
  } catch (error) {
    if (change.asAccount && error instanceof SshAuthenticationError && (await canLogin(change.pendingLogin))) return { alreadyChanged: true };
    throw error;
  }
}

/**
 * Runs a planned command; `onOutput` follows its lines as they are printed. Aborting the signal
 * stops it on a Unix host and throws. Host-key and authentication errors are thrown as they are.
 */
export async function commandOnHost(planned: HostCommand, signal: AbortSignal, options: CommandOptions = {}): Promise<HostCommandOutcome> {
  const { onOutput, earlierAttempt } = options;
  const result = await withSshSession(planned.connectAs, (session) =>
    planned.posixShell
      ? execStoppable(session, planned.command, { stdin: planned.stdin || undefined, env: planned.env, onOutput }, { signal, runLabel: planned.runLabel, earlierAttempt })
      : execUntilAborted(session, planned.command, { stdin: planned.stdin, onOutput }, signal, null),
  );
  return { exitCode: result.exitCode ?? -1, output: redact([result.stdout, result.stderr].filter(Boolean).join('\n').trim(), planned.secrets) };
}

/** The index of the first login the host accepts, tried in order, or -1 when it accepts none. */
export async function firstAcceptedLogin(logins: readonly SshTarget[]): Promise<number> {
  for (const [index, login] of logins.entries()) {
    if (await canLogin(login)) return index;
  }
  return -1;
}

/** One record's logins for a sweep on the node that reaches its host, in the order to try them. */
export interface SettleLogins {
  recordId: string;
  logins: SshTarget[];
}

/** What the node found: the index of the login the host accepted (-1: none, or it could not tell), and why it could not. */
export interface SettleLoginAnswer {
  recordId: string;
  accepted: number;
  failure?: { message: string; hostKey?: HostKeySeen };
}

/**
 * A sweep's logins, record after record, until the budget is spent; records not reached are left
 * out and wait for the next sweep. A host that cannot be reached or shows another key is answered
 * with the failure, for the central worker to back off.
 */
export async function settleLogins(records: readonly SettleLogins[], budgetMs: number, afterEach: () => void): Promise<SettleLoginAnswer[]> {
  const deadline = Date.now() + budgetMs;
  const answers: SettleLoginAnswer[] = [];
  for (const { recordId, logins } of records) {
    if (Date.now() > deadline) break;
    try {
      answers.push({ recordId, accepted: await firstAcceptedLogin(logins) });
    } catch (error) {
      const hostKey = error instanceof HostKeyMismatchError ? hostKeySeen(error) : undefined;
      answers.push({ recordId, accepted: -1, failure: { message: error instanceof Error ? error.message : String(error), hostKey } });
    }
    afterEach();
  }
  return answers;
}
