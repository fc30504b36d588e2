import { isDeepStrictEqual } from 'node:util';

export interface SettingComparison {
  key: string;
  left: unknown;
  right: unknown;
  same: boolean;
}

/** Two client task settings objects, setting by setting: the union of their top-level keys, sorted; a key one side lacks reads as null. */
export function compareSettings(left: Record<string, unknown>, right: Record<string, unknown>): SettingComparison[] {
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return keys.map((key) => {
    const l = left[key] ?? null;
    const r = right[key] ?? null;
    return { key, left: l, right: r, same: isDeepStrictEqual(l, r) };
  });
}
