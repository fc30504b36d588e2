import { PermanentFailure } from '../../shared/permanent-failure';
import { CONTROL_CHARACTER } from '../../shared/validation';

const MAX_PATH_LENGTH = 4096;

/**
 * Checks a path a driver is about to hand to an endpoint script. The settings were checked
 * against the task type's schema, but that schema lives in the database, so drivers do not rely
 * on it: a path must be absolute (so it can never read as an option, as "-rf" would), normalized
 * (no empty, "." or ".." component, no trailing "/"), and free of NUL, newlines and other
 * control characters (values travel one per line, and names with them are refused anyway).
 */
export function endpointPath(value: unknown, setting: string): string {
  if (typeof value !== 'string') throw new PermanentFailure(`${setting} must be a path, not ${JSON.stringify(value) ?? 'nothing'}`);
  const shown = JSON.stringify(value);
  if (!value.startsWith('/')) throw new PermanentFailure(`${setting} ${shown} is not an absolute path`);
  if (value.length > MAX_PATH_LENGTH) throw new PermanentFailure(`${setting} is longer than ${MAX_PATH_LENGTH} characters`);
  if (CONTROL_CHARACTER.test(value)) throw new PermanentFailure(`${setting} ${shown} contains a NUL, newline or other control character`);
  const parts = value.split('/').slice(1);
  if (value !== '/' && parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new PermanentFailure(`${setting} ${shown} is not normalized: it has an empty, "." or ".." component, or ends with "/"`);
  }
  return value;
}

/** endpointPath for a list setting; absent is an empty list. */
export function endpointPaths(value: unknown, setting: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new PermanentFailure(`${setting} must be a list of paths`);
  return value.map((item) => endpointPath(item, setting));
}
