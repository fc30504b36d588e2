import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities, DependencyRef } from '../activities';
import { JOB_BOOKKEEPING } from './activity-profiles';
import { failureMessage } from './job-state';
import type { HostSteps } from './node-host-steps';

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);

/**
 * Updates the record's dependencies one after another, after the host took and verified the new
 * password and before it is promoted. When one fails, everything goes back as it was: the host
 * gets the previous password (verified, so the vault keeps it), then the dependencies already
 * updated get it back, last first; the job fails with the reason. A cancel leaves the host and
 * the updated dependencies on the new password, which settling then promotes.
 */
export async function updateDependencies(jobId: string, dependencies: DependencyRef[], host: HostSteps): Promise<void> {
  const updated: DependencyRef[] = [];
  for (const dependency of dependencies) {
    setCurrentDetails(`Updating dependency ${dependency.name}`);
    try {
      await host.updateDependency({ jobId, dependencyId: dependency.dependencyId, phase: 'APPLY' });
      updated.push(dependency);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const reason = `Dependency ${dependency.name} failed: ${failureMessage(error)}`;
      const rolledBack = await CancellationScope.nonCancellable(async () => {
        await bookkeeping.recordJobStep({ jobId, message: reason });
        return rollBack(jobId, updated, host);
      });
      throw ApplicationFailure.nonRetryable(`${reason}; ${rolledBack}`, 'DependencyFailed');
    }
  }
}

/** Puts the host, then the dependencies updated so far, back on the previous password; says how far it got. */
async function rollBack(jobId: string, updated: DependencyRef[], host: HostSteps): Promise<string> {
  setCurrentDetails('Rolling back: setting the host back to the previous password');
  try {
    await host.restorePreviousPasswordOnHost({ jobId });
    await host.verifyRestoredPassword({ jobId });
  } catch (error) {
    // The host may still hold the new password, so the updated dependencies keep it; settling keeps whichever password the host accepts.
    return `setting the host back failed (${failureMessage(error)}); the dependencies updated keep the new password, and the vault keeps whichever password the host accepts`;
  }
  const failed: string[] = [];
  for (const dependency of [...updated].reverse()) {
    setCurrentDetails(`Rolling back dependency ${dependency.name}`);
    try {
      await host.updateDependency({ jobId, dependencyId: dependency.dependencyId, phase: 'ROLL_BACK' });
    } catch (error) {
      failed.push(dependency.name);
      await bookkeeping.recordJobStep({ jobId, message: `Could not set dependency ${dependency.name} back: ${failureMessage(error)}` });
    }
  }
  const restored = updated.length === 0 ? 'the host is back on the previous password' : 'the host and the dependencies updated are back on the previous password';
  return failed.length === 0 ? `rolled back: ${restored}` : `rolled back the host, but dependencies ${failed.join(', ')} could not be set back`;
}
