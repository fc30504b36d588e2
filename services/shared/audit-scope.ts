import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Whether the mutation running in this async context has already written its failure to the
 * audit log (a service that audits its own refusals, with more detail than the API layer knows),
 * so the API's catch-all for failed mutations does not audit it twice.
 */
const failureAudits = new AsyncLocalStorage<{ audited: boolean }>();

export function withFailureAuditScope<T>(run: () => Promise<T>): Promise<T> {
  return failureAudits.run({ audited: false }, run);
}

export function noteFailureAudited(): void {
  const scope = failureAudits.getStore();
  if (scope) scope.audited = true;
}

export function failureAlreadyAudited(): boolean {
  return failureAudits.getStore()?.audited ?? false;
}
