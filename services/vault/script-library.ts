import { ScriptKey } from '../../db/entities';

export interface ScriptDefinition {
  key: ScriptKey;
  name: string;
  description: string;
  /** Whether the script gives the account a new password. */
  rotatesPassword: boolean;
}

/** The built-in scripts a task can run. */
export const SCRIPT_LIBRARY: Record<ScriptKey, ScriptDefinition> = {
  [ScriptKey.PASSWORD_RESET_REMOTE_UNIX]: {
    key: ScriptKey.PASSWORD_RESET_REMOTE_UNIX,
    name: 'Password Reset Remote Unix',
    description:
      'Logs in over SSH as the account and runs passwd with the current and new passwords on stdin; with a shadow account, logs in as it and runs chpasswd. Then verifies by logging in with the new password.',
    rotatesPassword: true,
  },
  [ScriptKey.PASSWORD_RESET_REMOTE_WINDOWS]: {
    key: ScriptKey.PASSWORD_RESET_REMOTE_WINDOWS,
    name: 'Password Reset Remote Windows',
    description:
      'Runs PowerShell over SSH (Windows OpenSSH): Set-LocalUser for the account, reading the new password from stdin. Needs an account allowed to manage local users, usually a shadow account. Then verifies by logging in.',
    rotatesPassword: true,
  },
  [ScriptKey.CUSTOM_COMMAND]: {
    key: ScriptKey.CUSTOM_COMMAND,
    name: 'Custom Command',
    description:
      'Runs the task’s own command on the host as the account (or its shadow account). Its parameters, and the account name as STEWARD_ACCOUNT, arrive as environment variables, never spliced into the command.',
    rotatesPassword: false,
  },
  [ScriptKey.VERIFY_PASSWORD]: {
    key: ScriptKey.VERIFY_PASSWORD,
    name: 'Verify Password',
    description: 'Logs in over SSH with the password the vault holds and reports whether it works.',
    rotatesPassword: false,
  },
};

export interface Credentials {
  username: string;
  password: string;
}

/** How to change an account's password on its host: whom to log in as, and what to run. */
export interface PasswordChangePlan {
  connectAs: Credentials;
  command: string;
  /** Secrets (and the account name) travel here as data, never in the command line. */
  stdin: string;
  /** Whether a POSIX shell runs the command (not Windows), so it can be stopped on the host when the job is cancelled. */
  posixShell: boolean;
  /** A library script's parameters (and the account name), exported by the POSIX shell as quoted data. */
  env?: Record<string, string>;
  /** How a failure names what ran; the program's name when unset. */
  label?: string;
}

/**
 * Reads the account name and then the new password from stdin, so neither is spliced into the
 * command and the password never appears in any process's argv; then sets it.
 */
const WINDOWS_RESET_SCRIPT = [
  '$ErrorActionPreference = "Stop"',
  '$account = [Console]::In.ReadLine()',
  '$password = ConvertTo-SecureString ([Console]::In.ReadLine()) -AsPlainText -Force',
  'Set-LocalUser -Name $account -Password $password',
].join('; ');

/**
 * The change for a password reset script. Without a shadow account the account changes its own
 * password (passwd reads current, new and again from stdin when there is no terminal); with one,
 * the shadow account resets it (chpasswd reads `user:password` from stdin).
 */
export function passwordChangePlan(script: ScriptKey, account: Credentials, newPassword: string, shadow?: Credentials | null): PasswordChangePlan {
  if (script === ScriptKey.PASSWORD_RESET_REMOTE_WINDOWS) {
    return {
      connectAs: shadow ?? account,
      command: `powershell.exe -NoProfile -NonInteractive -Command "${WINDOWS_RESET_SCRIPT}"`,
      stdin: `${account.username}\n${newPassword}\n`,
      posixShell: false,
    };
  }
  if (shadow) return { connectAs: shadow, command: 'LC_ALL=C chpasswd', stdin: `${account.username}:${newPassword}\n`, posixShell: true };
  return { connectAs: account, command: 'LC_ALL=C passwd', stdin: `${account.password}\n${newPassword}\n${newPassword}\n`, posixShell: true };
}
