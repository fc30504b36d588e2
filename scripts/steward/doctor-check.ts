/** One line of `steward doctor`: what was checked, how it stands, and how to put it right. */
export interface CheckResult {
  status: 'OK' | 'WARN' | 'FAIL';
  check: string;
  detail: string;
  /** What to do about a WARN or FAIL. */
  fix?: string;
}

export const ok = (check: string, detail: string): CheckResult => ({ status: 'OK', check, detail });
export const warn = (check: string, detail: string, fix: string): CheckResult => ({ status: 'WARN', check, detail, fix });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({ status: 'FAIL', check, detail, fix });

export function formatCheck(result: CheckResult): string {
  return `${result.status.padEnd(4)} ${result.check}: ${result.detail}${result.fix ? `. Fix: ${result.fix}` : ''}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
