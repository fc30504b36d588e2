/** The shape every benchmark of the suite returns, and the table and JSON the suite writes. */

export interface BenchRow {
  id: string;
  what: string;
  /** Steward's figure, as printed (e.g. "p50 650 ms, p95 900 ms"). */
  steward: string;
  /** The baseline measured in the same run, or "–" when the target is absolute. */
  baseline: string;
  /** Steward over baseline (or baseline over Steward for throughput), as the target reads it; null when there is none. */
  ratio: number | null;
  target: string;
  /** null when the row was not measured. */
  met: boolean | null;
  /** The raw measurements, for the JSON. */
  samples?: Record<string, unknown>;
}

export function notMeasured(id: string, what: string, target: string): BenchRow {
  return { id, what, steward: 'not measured', baseline: '–', ratio: null, target, met: null };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const ms = (value: number) =>
  value >= 600_000 ? `${(value / 60_000).toFixed(0)} min` : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;

export function latencies(values: readonly number[]): string {
  return `p50 ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))} (n=${values.length})`;
}

export function table(rows: readonly BenchRow[]): string {
  const header = ['id', 'what', 'Steward', 'baseline', 'ratio', 'target', 'met?'];
  const cells = rows.map((row) => [
    row.id,
    row.what,
    row.steward,
    row.baseline,
    row.ratio === null ? '–' : `${row.ratio.toFixed(2)}×`,
    row.target,
    row.met === null ? '–' : row.met ? 'yes' : 'no',
  ]);
  const lines = [header, header.map(() => '---'), ...cells].map((line) => `| ${line.join(' | ')} |`);
  return lines.join('\n');
}
