import { ScriptKey } from '../db/entities';

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
      'Logs in over SSH as the account and runs passwd, giving the current and new passwords on stdin; then verifies by logging in with the new one.',
    rotatesPassword: true,
  },
  [ScriptKey.VERIFY_PASSWORD]: {
    key: ScriptKey.VERIFY_PASSWORD,
    name: 'Verify Password',
    description: 'Logs in over SSH with the password the vault holds and reports whether it works.',
    rotatesPassword: false,
  },
};

export interface HostCommand {
  command: string;
  /** Secrets travel here, never in the command line. */
  stdin: string;
}

/** passwd run by the account itself, without a terminal, reads current, new and again from stdin. */
export function unixPasswordChangeCommand(currentPassword: string, newPassword: string): HostCommand {
  return { command: 'LC_ALL=C passwd', stdin: `${currentPassword}\n${newPassword}\n${newPassword}\n` };
}
