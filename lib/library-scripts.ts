import { PASSWORD_RESET_SCRIPTS, ScriptKey } from './enums';

/** What a library script does in a job. */
export enum ScriptKind {
  /** The "change" step of a password reset; pending, verify and promote stay Steward's. */
  PASSWORD_RESET = 'PASSWORD_RESET',
  /** Checks the account's password on its host; exit 0 means it works. */
  VERIFY = 'VERIFY',
  /** Any command on the host. */
  COMMAND = 'COMMAND',
}

/** What runs a library script's body on the host, over SSH. */
export enum ScriptInterpreter {
  /** POSIX sh: the body is its `-c` script; secrets arrive on stdin, parameters in the environment. */
  SH = 'SH',
  /** PowerShell (`pwsh -NoProfile -Command -`): the body arrives on stdin after a prelude that holds the data. */
  POWERSHELL = 'POWERSHELL',
}

/** The type of a declared parameter; secrets are never parameters (they come from the vault). */
export enum ScriptParameterType {
  STRING = 'STRING',
  INTEGER = 'INTEGER',
  BOOLEAN = 'BOOLEAN',
}

export interface ScriptParameterDeclaration {
  name: string;
  type: ScriptParameterType;
  /** Used when a task gives no value; a parameter without a default must be given by every task. */
  defaultValue?: string | null;
  description?: string | null;
}

export const MAX_SCRIPT_BODY = 20_000;
const MAX_PARAMETERS = 32;
const MAX_VALUE = 1000;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Names Steward sets itself, or that would change how the body runs. */
const RESERVED = new Set(['STEWARD_ACCOUNT', 'STEWARD_RUN_LABEL', 'PATH', 'HOME', 'SHELL', 'USER', 'LOGNAME', 'IFS', 'ENV', 'LD_PRELOAD', 'LD_LIBRARY_PATH']);

/** The built-in script a task runs a library script of this kind as; the workflow branches on it. */
export function scriptKeysOfKind(kind: ScriptKind): readonly ScriptKey[] {
  if (kind === ScriptKind.PASSWORD_RESET) return PASSWORD_RESET_SCRIPTS;
  return kind === ScriptKind.VERIFY ? [ScriptKey.VERIFY_PASSWORD] : [ScriptKey.CUSTOM_COMMAND];
}

/** The built-in key a new task of this library script gets. */
export function scriptKeyFor(kind: ScriptKind, interpreter: ScriptInterpreter): ScriptKey {
  if (kind === ScriptKind.PASSWORD_RESET) return interpreter === ScriptInterpreter.POWERSHELL ? ScriptKey.PASSWORD_RESET_REMOTE_WINDOWS : ScriptKey.PASSWORD_RESET_REMOTE_UNIX;
  return scriptKeysOfKind(kind)[0]!;
}

function valueProblem(declaration: ScriptParameterDeclaration, value: string): string | null {
  if (value.length > MAX_VALUE) return `Parameter ${declaration.name} is longer than ${MAX_VALUE} characters`;
  if (value.includes('\0')) return `Parameter ${declaration.name} contains a NUL character`;
  if (declaration.type === ScriptParameterType.INTEGER && !/^-?\d{1,15}$/.test(value)) return `Parameter ${declaration.name} must be an integer`;
  if (declaration.type === ScriptParameterType.BOOLEAN && value !== 'true' && value !== 'false') return `Parameter ${declaration.name} must be true or false`;
  return null;
}

/** Why the declarations cannot be a script's parameters, as [field, message]; null when they can. */
export function declarationsProblem(declarations: readonly ScriptParameterDeclaration[]): [string, string] | null {
  if (declarations.length > MAX_PARAMETERS) return ['parameters', `A script declares at most ${MAX_PARAMETERS} parameters`];
  const seen = new Set<string>();
  for (const declaration of declarations) {
    if (!PARAMETER_NAME.test(declaration.name) || RESERVED.has(declaration.name.toUpperCase())) return ['parameters', `"${declaration.name}" cannot be a parameter name`];
    if (seen.has(declaration.name)) return ['parameters', `Parameter ${declaration.name} is declared twice`];
    seen.add(declaration.name);
    if (declaration.defaultValue != null) {
      const problem = valueProblem(declaration, declaration.defaultValue);
      if (problem) return ['parameters', `Default: ${problem}`];
    }
  }
  return null;
}

/** Why a task's values do not fit the script's declarations, as [field, message]; null when they do. */
export function valuesProblem(declarations: readonly ScriptParameterDeclaration[], values: Record<string, string>): [string, string] | null {
  for (const [name, value] of Object.entries(values)) {
    const declaration = declarations.find((candidate) => candidate.name === name);
    if (!declaration) return ['parameters', `The script declares no parameter ${name}`];
    const problem = valueProblem(declaration, value);
    if (problem) return ['parameters', problem];
  }
  const missing = declarations.find((declaration) => declaration.defaultValue == null && values[declaration.name] == null);
  return missing ? ['parameters', `Parameter ${missing.name} has no default: the task must give it`] : null;
}

/** The values a run gets: the task's, with the declared defaults filling the rest. Undeclared values are dropped. */
export function resolveValues(declarations: readonly ScriptParameterDeclaration[], values: Record<string, string> | null | undefined): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const declaration of declarations) {
    const value = values?.[declaration.name] ?? declaration.defaultValue;
    if (value != null) resolved[declaration.name] = value;
  }
  return resolved;
}
