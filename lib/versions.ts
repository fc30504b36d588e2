/** Dotted-number versions such as 5.7.0, as products and packages carry them. */
export const VERSION_PATTERN = '^\\d{1,9}(\\.\\d{1,9}){0,3}$';

/** Negative, zero or positive as `left` is older than, the same as, or newer than `right`; missing parts count as 0. */
export function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference) return Math.sign(difference);
  }
  return 0;
}
