import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces carry hosts, users and stderr, so they travel as a payload
 * (`encodedAttributes`) that the payload codec encrypts; Temporal stores "Encoded failure" in the
 * clear. Loaded by path (temporal/data-converter.ts) into clients, workers and the workflow
 * sandbox, so it imports only what workflows may.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
