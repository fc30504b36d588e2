/**
 * A client task failed on its endpoint in a way a retry cannot fix: a refused host key or
 * password, a refused restore, a checksum mismatch, a failing install script or command.
 */
export class PermanentEndpointError extends Error {
  override readonly name = 'PermanentEndpointError';
  /** What the endpoint printed before it failed, secrets redacted; set once a session was open. */
  output?: string;
}

/** The run was aborted and its process on the endpoint stopped. Named like the platform's abort error, so Temporal records a cancellation. */
export class EndpointRunAbortedError extends Error {
  override readonly name = 'AbortError';

  constructor() {
    super('The client task was cancelled and stopped on the endpoint');
  }
}
