import { RecordFieldKind, type RecordFieldDeclaration } from '../../db/entities/record-type';
import { BadInputError } from '../shared/errors';
import { CONTROL_CHARACTER } from '../shared/validation';
import type { FieldProblem } from './record-spec-checks';

/** One custom field value as given: the declared field's name and its text. */
export interface RecordFieldValueSpec {
  name: string;
  value: string;
}

export interface RecordFieldDeclarationSpec {
  name: string;
  label: string;
  kind: RecordFieldKind;
  required?: boolean | null;
  allowedValues?: string[] | null;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const MAX_FIELDS_PER_TYPE = 32;
export const MAX_ALLOWED_VALUES = 64;
export const MAX_FIELD_VALUE_LENGTH = 256;
export const MAX_FIELD_LABEL_LENGTH = 128;

function textProblem(text: string, what: string, maxLength: number): string | null {
  if (!text.trim()) return `${what} must not be empty`;
  if (text.length > maxLength) return `${what} is longer than ${maxLength} characters`;
  if (CONTROL_CHARACTER.test(text)) return `${what} must not contain a newline, tab or other control character`;
  return null;
}

/** Checks a record type's field declarations and returns them as stored; refuses the first problem. */
export function recordFieldDeclarations(specs: RecordFieldDeclarationSpec[]): RecordFieldDeclaration[] {
  if (specs.length > MAX_FIELDS_PER_TYPE) throw new BadInputError(`A record type declares at most ${MAX_FIELDS_PER_TYPE} fields`, 'fields');
  const names = new Set<string>();
  return specs.map((spec) => {
    if (!FIELD_NAME.test(spec.name)) throw new BadInputError(`Field name "${spec.name}" must be a letter, then up to 63 letters, digits or "_"`, 'fields');
    if (names.has(spec.name)) throw new BadInputError(`Field "${spec.name}" is declared twice`, 'fields');
    names.add(spec.name);
    const labelProblem = textProblem(spec.label, `The label of field "${spec.name}"`, MAX_FIELD_LABEL_LENGTH);
    if (labelProblem) throw new BadInputError(labelProblem, 'fields');
    const allowedValues = spec.allowedValues ?? [];
    if (spec.kind === RecordFieldKind.STRING && allowedValues.length) throw new BadInputError(`Field "${spec.name}" is STRING: only ENUM fields list allowed values`, 'fields');
    if (spec.kind === RecordFieldKind.ENUM) {
      if (!allowedValues.length || allowedValues.length > MAX_ALLOWED_VALUES) throw new BadInputError(`ENUM field "${spec.name}" lists 1 to ${MAX_ALLOWED_VALUES} allowed values`, 'fields');
      if (new Set(allowedValues).size !== allowedValues.length) throw new BadInputError(`ENUM field "${spec.name}" lists a value twice`, 'fields');
      for (const value of allowedValues) {
        const problem = textProblem(value, `An allowed value of field "${spec.name}"`, MAX_FIELD_VALUE_LENGTH);
        if (problem) throw new BadInputError(problem, 'fields');
      }
    }
    return { name: spec.name, label: spec.label.trim(), kind: spec.kind, required: spec.required ?? false, allowedValues };
  });
}

/** Every problem of a record's field values against its type's declarations: unknown, repeated, missing, too long or not allowed. */
export function recordFieldProblems(values: RecordFieldValueSpec[], declarations: RecordFieldDeclaration[]): FieldProblem[] {
  const problem = (message: string): FieldProblem => ({ field: 'fields', code: 'BAD_USER_INPUT', message });
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const { name, value } of values) {
    const declared = declarations.find((declaration) => declaration.name === name);
    if (!declared) problems.push(problem(`The record type declares no field "${name}"`));
    else if (seen.has(name)) problems.push(problem(`Field "${name}" is given twice`));
    else {
      const textIssue = textProblem(value, `Field "${name}"`, MAX_FIELD_VALUE_LENGTH);
      if (textIssue) problems.push(problem(textIssue));
      else if (declared.kind === RecordFieldKind.ENUM && !declared.allowedValues.includes(value)) {
        problems.push(problem(`Field "${name}" is one of ${declared.allowedValues.join(', ')}`));
      }
    }
    seen.add(name);
  }
  for (const declaration of declarations) {
    if (declaration.required && !seen.has(declaration.name)) problems.push(problem(`Field "${declaration.name}" is required`));
  }
  return problems;
}

/** Refuses field values with their first problem; otherwise returns them as stored, by name. */
export function checkedRecordFieldValues(values: RecordFieldValueSpec[], declarations: RecordFieldDeclaration[]): Record<string, string> {
  const [first] = recordFieldProblems(values, declarations);
  if (first) throw new BadInputError(first.message, 'fields');
  return Object.fromEntries(values.map(({ name, value }) => [name, value]));
}

/** A record's values in its type's declaration order; values of fields no longer declared come last. */
export function orderedFieldValues(values: Record<string, string>, declarations: RecordFieldDeclaration[]): RecordFieldValueSpec[] {
  const position = (name: string) => {
    const index = declarations.findIndex((declaration) => declaration.name === name);
    return index < 0 ? declarations.length : index;
  };
  return Object.entries(values)
    .sort(([a], [b]) => position(a) - position(b) || a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
}
