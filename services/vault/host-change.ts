import { canLogin, type ExecOptions, SshAuthenticationError, type SshTarget, withSshSession } from '../../infra/ssh';
import { execStoppable, execUntilAborted } from '../../infra/stoppable-exec';
import { redact } from '../shared/redaction';

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
export async function commandOnHost(planned: HostCommand, signal: AbortSignal, onOutput?: ExecOptions['onOutput']): Promise<HostCommandOutcome> {
  const result = await withSshSession(planned.connectAs, (session) =>
    planned.posixShell
      ? execStoppable(session, planned.command, { stdin: planned.stdin || undefined, env: planned.env, onOutput }, { signal, runLabel: planned.runLabel })
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
