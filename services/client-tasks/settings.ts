import Ajv, { type ErrorObject } from 'ajv';
import type { ClientTaskType } from '../../db/entities';

/** JSON Schema errors as "<path> <what is wrong>; …", the way every refusal of client task input words them. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`).join('; ');
}

/**
 * Compiles a task type's current settings schema once; the checker returns what is wrong with
 * some settings, or null when they are valid. One ajv instance per schema, so schema ids never clash.
 */
export function settingsChecker(taskType: ClientTaskType): (settings: unknown) => string | null {
  const validate = new Ajv({ strict: true, allErrors: true }).compile(taskType.settingsSchema);
  return (settings) => (validate(settings) ? null : `The settings are invalid for ${taskType.name}: ${describeSchemaErrors(validate.errors)}`);
}
