/** The run was aborted and its process on the endpoint stopped. Named like the platform's abort error, so Temporal records a cancellation. */
export class EndpointRunAbortedError extends Error {
  override readonly name = 'AbortError';

  constructor() {
    super('The client task was cancelled and stopped on the endpoint');
  }
}
