import { PASSWORD_RESET_SCRIPTS, ScriptKey } from './enums';

/** Edit Script: what a task sets for its script. */
export interface ScriptParameters {
  /** CUSTOM_COMMAND: the shell command. */
  command?: string | null;
  /** CUSTOM_COMMAND: named values, exported to the command's environment. */
  parameters?: Record<string, string> | null;
  /** Password resets: the generated password's length. */
  passwordLength?: number | null;
}

export const DEFAULT_PASSWORD_LENGTH = 24;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Names Steward sets itself. */
const RESERVED = new Set(['STEWARD_ACCOUNT', 'PATH', 'HOME', 'SHELL', 'USER', 'LOGNAME']);

/** Why the parameters do not fit the script, as [field, message]; null when they do. */
export function scriptParametersProblem(script: ScriptKey, parameters: ScriptParameters | null | undefined): [string, string] | null {
  const { command, parameters: values, passwordLength } = parameters ?? {};
  if (script === ScriptKey.CUSTOM_COMMAND) {
    if (!command?.trim()) return ['command', 'A Custom Command task needs a command'];
    if (command.length > 4000) return ['command', 'The command is longer than 4000 characters'];
  } else if (command || values) {
    return ['command', 'Only a Custom Command task takes a command and parameters'];
  }
  for (const [name, value] of Object.entries(values ?? {})) {
    if (!PARAMETER_NAME.test(name) || RESERVED.has(name.toUpperCase())) return ['parameters', `"${name}" cannot be a parameter name`];
    if (typeof value !== 'string' || value.length > 1000) return ['parameters', `Parameter ${name} must be a string of at most 1000 characters`];
  }
  if (passwordLength != null) {
    if (!PASSWORD_RESET_SCRIPTS.includes(script)) return ['passwordLength', 'Only password resets take a password length'];
    if (!Number.isInteger(passwordLength) || passwordLength < 12 || passwordLength > 128) return ['passwordLength', 'passwordLength must be between 12 and 128'];
  }
  return null;
}
