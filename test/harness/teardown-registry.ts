/** Global setup and teardown run in the same process; this carries what setup started. */
type Teardown = () => Promise<void>;

const registry = globalThis as typeof globalThis & { __stewardTeardowns?: Teardown[] };

export function registerTeardown(teardown: Teardown): void {
  (registry.__stewardTeardowns ??= []).push(teardown);
}

export async function runTeardowns(): Promise<void> {
  const teardowns = registry.__stewardTeardowns ?? [];
  registry.__stewardTeardowns = [];
  for (const teardown of teardowns.reverse()) await teardown().catch((error: unknown) => console.error('teardown failed', error));
}
