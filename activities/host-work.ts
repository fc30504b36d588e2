import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { HostAttempt } from '../infra/stoppable-exec';

/**
 * How often an activity heartbeats while it works on a host. A cancel reaches an activity only
 * in the reply to a heartbeat, and the worker sends at most one every 500 ms
 * (temporal/worker.ts), so a cancel reaches the host within about a second.
 */
const HEARTBEAT_MS = 250;

/** What an activity hands to work it does on a host. */
export interface HostWork extends HostAttempt {
  /** Heartbeats now, saying what the work is doing; the timer repeats the last details. */
  heartbeat(details?: string): void;
  /** Aborts when the activity is cancelled: the work stops on the host, then throws. */
  signal: AbortSignal;
  /** A retry: its worker may have died mid-run, leaving the run going on the host (`stopEarlierAttempt`). */
  earlierAttempt: boolean;
}

/**
 * Runs an activity's work on a host: it heartbeats all along (so a quiet command is not taken for
 * a dead worker, and a cancel arrives at once), and a failure after a cancel, the work stopped on
 * the host, is recorded as a cancellation. With `WAIT_CANCELLATION_COMPLETED` in the workflow,
 * the workflow goes on only once the host work has stopped.
 */
export async function onHost<T>(work: (host: HostWork) => Promise<T>): Promise<T> {
  const context = Context.current();
  let details: string | undefined;
  const heartbeat = (next?: string) => {
    if (next !== undefined) details = next;
    context.heartbeat(details);
  };
  heartbeat();
  const timer = setInterval(heartbeat, HEARTBEAT_MS);
  try {
    return await work({ heartbeat, signal: context.cancellationSignal, earlierAttempt: context.info.attempt > 1 });
  } catch (error) {
    if (context.cancellationSignal.aborted) throw new CancelledFailure('Stopped on the host');
    throw error;
  } finally {
    clearInterval(timer);
  }
}
