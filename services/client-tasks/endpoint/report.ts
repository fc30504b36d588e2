import Ajv, { type ValidateFunction } from 'ajv';
import { describeSchemaErrors } from '../settings';
import { PermanentFailure } from '../../shared/permanent-failure';

/** An endpoint script ends its stdout with this prefix and one line of JSON: what it did, machine-readably. */
export const REPORT_PREFIX = 'STEWARD-REPORT ';

export type Report = Record<string, unknown>;

export interface SplitOutput {
  /** stdout without the report line, for the job's output. */
  text: string;
  report: Report | null;
  /** Why there is no report, when there is none. */
  problem: string | null;
}

/** Takes the report from the last non-empty line of stdout. */
export function splitReport(stdout: string): SplitOutput {
  const lines = stdout.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  const line = last >= 0 ? lines[last]!.replace(/\r$/, '') : '';
  if (!line.startsWith(REPORT_PREFIX)) return { text: stdout, report: null, problem: `its last line of output is not "${REPORT_PREFIX.trim()} <json>"` };
  const text = lines.slice(0, last).join('\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(REPORT_PREFIX.length));
  } catch (error) {
    return { text, report: null, problem: `its report is not valid JSON (${(error as Error).message})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { text, report: null, problem: 'its report is not a JSON object' };
  return { text, report: parsed as Report, problem: null };
}

/** Compiles the shape a built-in script's report must have; the endpoint is not trusted to send what was asked. */
export function reportShape<T>(schema: Record<string, unknown>): ValidateFunction<T> {
  return new Ajv({ strict: true, allErrors: true }).compile<T>(schema);
}

export function checkReport<T>(validate: ValidateFunction<T>, report: Report, step: string): T {
  if (!validate(report)) throw new PermanentFailure(`${step}: the endpoint's report is malformed: ${describeSchemaErrors(validate.errors)}`);
  return report;
}
