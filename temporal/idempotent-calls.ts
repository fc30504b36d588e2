import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';

/**
 * How long one start, signal or cancel may take before it fails and is retried later: the outbox
 * delivers them, and a Temporal that does not answer must not hold its relay for minutes.
 */
const CALL_DEADLINE_MS = 10_000;

/** A start that finds its workflow already started (a redelivered outbox command) did its job. */
export async function startedOnce(client: Client, start: () => Promise<unknown>): Promise<void> {
  try {
    await client.withDeadline(Date.now() + CALL_DEADLINE_MS, start);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** A signal or cancel of a workflow that no longer exists has nothing left to tell. */
export async function ifStillThere(client: Client, call: () => Promise<unknown>): Promise<void> {
  try {
    await client.withDeadline(Date.now() + CALL_DEADLINE_MS, call);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
