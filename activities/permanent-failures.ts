import { ApplicationFailure } from '@temporalio/activity';
import { PermanentFailure } from '../services/shared/permanent-failure';

/**
 * The one translator of permanent failures: a `PermanentFailure` from a service becomes a
 * non-retryable ApplicationFailure, everything else (network blips, a restarting database) is
 * retried. The failure type keeps the name recorded in existing histories.
 */
export async function permanentFailuresAreFinal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PermanentFailure) throw ApplicationFailure.nonRetryable(error.message, 'PermanentJobError');
    throw error;
  }
}
