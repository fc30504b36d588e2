import { parse } from 'csv-parse/sync';
import { BadInputError } from '../shared/errors';
import type { RecordSpec } from './record-service';
import type { FieldProblem } from './record-spec-checks';
import type { RecordFieldValueSpec } from './record-fields';

export enum RecordImportFormat {
  CSV = 'CSV',
  JSON = 'JSON',
}

/** Rows per import: a vault team's onboarding in one go, within what one transaction writes in a minute or two. */
const MAX_IMPORT_ROWS = 100_000;
/** Characters of content: 100,000 rows of a few hundred characters, within the administrators' request body limit. */
export const MAX_IMPORT_CONTENT_CHARS = 64 * 1024 * 1024;

const REQUIRED_COLUMNS = ['name', 'host', 'username', 'password', 'hostKeyFingerprint'];
const OPTIONAL_COLUMNS = ['recordType', 'port', 'timeZone', 'fields'];
const IMPORT_COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

/** One data row as read, before the checks createRecord makes; `problems` are those of reading it. */
export interface ImportRow {
  row: number;
  spec: Omit<RecordSpec, 'recordTypeId'>;
  /** The record type named in the row's recordType column, if any. */
  recordTypeName: string | null;
  problems: FieldProblem[];
}

/** Reads the rows of CSV (a header row, then one record a row) or JSON (an array of objects with the same keys). */
export function parseImportRows(format: RecordImportFormat, content: string): ImportRow[] {
  if (content.length > MAX_IMPORT_CONTENT_CHARS) throw new BadInputError(`The content is longer than ${MAX_IMPORT_CONTENT_CHARS} characters; split the import`, 'content');
  const rows = format === RecordImportFormat.CSV ? csvObjects(content) : jsonObjects(content);
  if (!rows.length) throw new BadInputError('The content has no data rows', 'content');
  if (rows.length > MAX_IMPORT_ROWS) throw new BadInputError(`The content has ${rows.length} rows; an import takes at most ${MAX_IMPORT_ROWS}`, 'content');
  return rows.map((values, index) => importRow(index + 1, values));
}

function csvObjects(content: string): unknown[] {
  let lines: string[][];
  try {
    lines = parse(content, { bom: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new BadInputError(`The CSV cannot be read: ${(error as Error).message}`, 'content');
  }
  const [header, ...data] = lines;
  if (!header) throw new BadInputError('The CSV has no header row', 'content');
  const columns = header.map((column) => column.trim());
  const unknown = columns.filter((column) => !IMPORT_COLUMNS.includes(column));
  if (unknown.length) throw new BadInputError(`Unknown column(s) ${unknown.map((column) => `"${column}"`).join(', ')}; the columns are ${IMPORT_COLUMNS.join(', ')}`, 'content');
  const repeated = columns.filter((column, index) => columns.indexOf(column) !== index);
  if (repeated.length) throw new BadInputError(`Column(s) ${[...new Set(repeated)].join(', ')} appear more than once`, 'content');
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length) throw new BadInputError(`The CSV lacks the column(s) ${missing.join(', ')}`, 'content');
  // An empty cell is an omitted value: port 22, time zone UTC, the import's record type.
  return data.map((cells) => Object.fromEntries(columns.map((column, index) => [column, cells[index] === '' ? undefined : cells[index]])));
}

function jsonObjects(content: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new BadInputError(`The JSON cannot be read: ${(error as Error).message}`, 'content');
  }
  if (!Array.isArray(parsed)) throw new BadInputError('The JSON must be an array of records', 'content');
  return parsed;
}

function importRow(row: number, values: unknown): ImportRow {
  const problems: FieldProblem[] = [];
  const fields = values && typeof values === 'object' && !Array.isArray(values) ? (values as Record<string, unknown>) : {};
  if (fields !== values) problems.push({ field: null, code: 'BAD_USER_INPUT', message: 'A record is an object of fields' });
  for (const key of Object.keys(fields)) {
    if (!IMPORT_COLUMNS.includes(key)) problems.push({ field: key, code: 'BAD_USER_INPUT', message: `Unknown field "${key}"; the fields are ${IMPORT_COLUMNS.join(', ')}` });
  }
  const text = (field: string): string | undefined => {
    const value = fields[field];
    if (value == null || typeof value === 'string') return value ?? undefined;
    problems.push({ field, code: 'BAD_USER_INPUT', message: `${field} must be a string` });
    return undefined;
  };
  return {
    row,
    spec: {
      name: text('name') ?? '',
      host: text('host') ?? '',
      port: portOf(fields.port, problems),
      username: text('username') ?? '',
      password: text('password') ?? '',
      hostKeyFingerprint: text('hostKeyFingerprint') ?? '',
      timeZone: text('timeZone'),
      fields: fieldValuesOf(fields.fields, problems),
    },
    recordTypeName: text('recordType')?.trim() || null,
    problems,
  };
}

/** Custom field values are an object of names to text: in JSON as it is, in a CSV cell as JSON text. */
function fieldValuesOf(value: unknown, problems: FieldProblem[]): RecordFieldValueSpec[] {
  if (value == null) return [];
  let object: unknown = value;
  if (typeof value === 'string') {
    try {
      object = JSON.parse(value);
    } catch {
      object = null;
    }
  }
  const entries = object && typeof object === 'object' && !Array.isArray(object) ? Object.entries(object) : null;
  if (!entries || entries.some(([, text]) => typeof text !== 'string')) {
    problems.push({ field: 'fields', code: 'BAD_USER_INPUT', message: 'fields must be an object of field names to text, such as {"owner": "ops"}' });
    return [];
  }
  return entries.map(([name, text]) => ({ name, value: text as string }));
}

/** A port is a whole number, in JSON as a number or, like every CSV cell, as digits. */
function portOf(value: unknown, problems: FieldProblem[]): number | undefined {
  if (value == null) return undefined;
  const port = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof port === 'number' && Number.isInteger(port)) return port;
  problems.push({ field: 'port', code: 'BAD_USER_INPUT', message: 'port must be a whole number' });
  return undefined;
}
