import type { DependencyPhase, DependencyRef } from '../services/vault/dependency-updates';
import { whenDatabaseAnswers } from './database-wait';
import { type ActivityDependencies, servicesFor } from './dependencies';
import { onHost } from './host-work';
import { permanentFailuresAreFinal } from './permanent-failures';
import type { JobRef } from './vault-job';

export interface DependencyUpdateInput extends JobRef {
  dependencyId: string;
  phase: DependencyPhase;
}

export interface JobStepInput extends JobRef {
  message: string;
}

/** Activities of a rotation's dependencies (workflows/record-dependencies.ts): updating them, and rolling back the host and them. */
export function createRecordDependencyActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);
  const recordStep = (jobId: string, message: string) => whenDatabaseAnswers(() => services().jobs.recordStep(jobId, message));

  return {
    async planDependencies({ jobId }: JobRef): Promise<DependencyRef[]> {
      return permanentFailuresAreFinal(() => services().dependencyUpdates.plan(jobId));
    },

    async updateDependency({ jobId, dependencyId, phase }: DependencyUpdateInput): Promise<void> {
      const name = await onHost(({ signal }) => permanentFailuresAreFinal(() => services().dependencyUpdates.update(jobId, dependencyId, phase, signal)));
      await recordStep(jobId, phase === 'APPLY' ? `Updated dependency ${name} with the new password` : `Set dependency ${name} back to the previous password`);
    },

    async restorePreviousPasswordOnHost({ jobId }: JobRef): Promise<void> {
      await onHost(({ signal }) => permanentFailuresAreFinal(() => services().dependencyUpdates.restorePreviousPassword(jobId, signal)));
      await recordStep(jobId, 'Set the host back to the previous password');
    },

    async verifyRestoredPassword({ jobId }: JobRef): Promise<void> {
      await onHost(() => permanentFailuresAreFinal(() => services().dependencyUpdates.verifyRestoredPassword(jobId)));
      await recordStep(jobId, 'Logged in with the previous password; the vault keeps it and drops the new one');
    },

    /** A step the workflow itself reports, such as a dependency's failure. */
    async recordJobStep({ jobId, message }: JobStepInput): Promise<void> {
      await recordStep(jobId, message);
    },
  };
}
