/**
 * The values the mutation fuzzer sends. "Refused" values are wrong whatever field they land in; "suspect"
 * values (odd Unicode, metacharacters, extreme numbers) may be legitimate in some fields, so the fuzzer
 * sends them only beside something else that makes the input invalid.
 */

export const INT32_MAX = 2 ** 31 - 1;

/** Text a shell, SQL or a path would read as more than text. */
export const METACHARACTERS = ["'; DROP TABLE users;--", '$(id)', '`id`', '../../etc/passwd', '-rf', '; rm -rf / #', '" OR "1"="1', '%s%n%x', '${jndi:ldap://x}', '\\'];

/** Unicode that trips up naive code without being wrong in itself. */
export const ODD_UNICODE = ['\u202egnp.exe', '😀🔥👩‍👩‍👧‍👦', 'e\u0301\u0301\u0301\u0301', '\ufeffname', '\u200b', 'Ω≈ç√∫', '\u3000', 'İı'];

/** Text no field may store: PostgreSQL refuses NUL, and a lone surrogate is not Unicode at all. */
export const UNSTORABLE_TEXT = ['a\u0000b', '\u0000', 'x\ud800y', '\udfff'];

/** Numbers GraphQL's 32-bit Int refuses, and strings that only look like numbers. */
export const NOT_AN_INT = [2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1.5, 'NaN', 'Infinity', '1e309', '12', true];

/** Numbers a 32-bit Int carries that few fields mean to accept. */
export const EXTREME_INTS = [-1, 0, INT32_MAX, -(2 ** 31)];

export const NOT_A_DATE = ['not a date', '2026-02-30T00:00:00Z', '', 1e20, '+275760-09-13T00:00:00.001Z', '2026-01-01T25:00:00Z'];

/** Objects that attack the code that reads them rather than the value. */
export function hostileObjects(): Record<string, unknown>[] {
  return [JSON.parse('{"__proto__": {"isAdmin": true}}') as Record<string, unknown>, { constructor: { prototype: { polluted: true } } }, nestedObject(200)];
}

export function nestedList(depth: number, leaf: unknown = 'x'): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

export function nestedObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let level = 0; level < depth; level += 1) value = { nested: value };
  return value;
}
