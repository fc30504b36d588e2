import { BadInputError, DomainError } from '../shared/errors';
import { assertFingerprint, assertHost, assertNotBlank, assertPassword, assertPort, assertTimeZone, assertUsername } from '../shared/validation';
import type { RecordFieldDeclaration } from '../../db/entities/record-type';
import type { RecordSpec } from './record-service';
import { recordFieldProblems } from './record-fields';

/** One thing wrong with one field of a record's input. */
export interface FieldProblem {
  field: string | null;
  message: string;
  code: string;
}

/**
 * The field checks a new record passes, each run on its own so that every problem is found, not
 * only the first: createRecord refuses the first, importRecords reports them all. Custom field
 * values are checked against the declarations of the record's type.
 */
export function recordSpecProblems(spec: RecordSpec, declarations: RecordFieldDeclaration[]): FieldProblem[] {
  const checks = [
    () => assertNotBlank(spec.name, 'name'),
    () => assertHost(spec.host),
    () => assertPort(spec.port ?? 22),
    () => assertUsername(spec.username),
    () => assertPassword(spec.password),
    () => assertFingerprint(spec.hostKeyFingerprint),
    () => assertTimeZone(spec.timeZone ?? 'UTC'),
  ];
  const problems: FieldProblem[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      problems.push({ field: error.field ?? null, message: error.message, code: error.code });
    }
  }
  return [...problems, ...recordFieldProblems(spec.fields ?? [], declarations)];
}

/** Refuses a new record's input with its first problem. */
export function assertRecordSpec(spec: RecordSpec, declarations: RecordFieldDeclaration[]): void {
  const [first] = recordSpecProblems(spec, declarations);
  if (first) throw new BadInputError(first.message, first.field ?? undefined);
}
