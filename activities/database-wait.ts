import { Context } from '@temporalio/activity';
import { isDatabaseUnavailable } from '../db/database';

/** How often an activity waiting for PostgreSQL asks again, heartbeating meanwhile. */
const DATABASE_RETRY_MS = 1_000;

/**
 * Runs an activity's bookkeeping, waiting while PostgreSQL cannot be reached (a restart, a
 * failover) instead of failing at once. A host step has a few tries, meant for the host: without
 * the wait, a database away for half a minute would use them all up. It waits at most until the
 * try's own timeout, and stops on a cancel.
 */
export async function whenDatabaseAnswers<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const { currentAttemptScheduledTimestampMs, startToCloseTimeoutMs } = context.info;
  const giveUpAt = currentAttemptScheduledTimestampMs + startToCloseTimeoutMs - DATABASE_RETRY_MS;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + DATABASE_RETRY_MS > giveUpAt) throw error;
      context.heartbeat();
      await context.sleep(DATABASE_RETRY_MS);
    }
  }
}
