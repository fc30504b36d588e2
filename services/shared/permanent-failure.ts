/**
 * A job step failed in a way retrying cannot fix (a refused host key, a wrong password, a
 * host that rejects the change). Activities turn it into a non-retryable failure.
 */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
