import { PermanentFailure } from '../../shared/permanent-failure';

/** Names of the STEWARD_<NAME> variables a script sees. */
export const ENVIRONMENT_NAME = /^[A-Z0-9_]{1,64}$/;

/**
 * How a setting reads in the shell: strings as they are, arrays one element per line (strings as
 * they are, anything else as JSON), and numbers, booleans and objects as JSON. Absent is empty.
 */
export function environmentValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('\n');
  return JSON.stringify(value);
}

/** "maxFileSizeBytes" → "MAX_FILE_SIZE_BYTES": the variable a product's command reads a setting from. */
export function environmentName(settingKey: string): string {
  return settingKey
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** A checked-in product's settings as variables; two settings that would share a variable are refused. */
export function settingsEnvironment(settings: Record<string, unknown>): Record<string, string> {
  const environment: Record<string, string> = {};
  const owners = new Map<string, string>();
  for (const [key, value] of Object.entries(settings)) {
    const name = environmentName(key);
    if (!ENVIRONMENT_NAME.test(name)) throw new PermanentFailure(`The setting "${key}" has no usable environment variable name`);
    const owner = owners.get(name);
    if (owner !== undefined) throw new PermanentFailure(`The settings "${owner}" and "${key}" would both be STEWARD_${name}`);
    owners.set(name, key);
    environment[name] = environmentValue(value);
  }
  return environment;
}
