/**
 * A step failed in a way retrying cannot fix: a refused host key or password, a host that rejects
 * the change, a failing install script or command. Activities turn it into a non-retryable
 * failure (activities/permanent-failures.ts), for vault and client task jobs alike.
 */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
  /** What the host printed before it failed, secrets redacted; set once a session was open. */
  output?: string;
}
