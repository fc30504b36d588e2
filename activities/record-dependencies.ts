import type { SshTarget } from '../infra/ssh';
import type { DependencyPhase, DependencyRef, PlannedDependencyUpdate } from '../services/vault/dependency-updates';
import type { HostChange, HostChangeOutcome, HostCommandOutcome } from '../services/vault/host-change';
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

/** What Job History says once a dependency took its password. */
function updatedStep(name: string, phase: DependencyPhase): string {
  return phase === 'APPLY' ? `Updated dependency ${name} with the new password` : `Set dependency ${name} back to the previous password`;
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
      await recordStep(jobId, updatedStep(name, phase));
    },

    async restorePreviousPasswordOnHost({ jobId }: JobRef): Promise<void> {
      await onHost(({ signal }) => permanentFailuresAreFinal(() => services().dependencyUpdates.restorePreviousPassword(jobId, signal)));
      await recordStep(jobId, 'Set the host back to the previous password');
    },

    async verifyRestoredPassword({ jobId }: JobRef): Promise<void> {
      await onHost(() => permanentFailuresAreFinal(() => services().dependencyUpdates.verifyRestoredPassword(jobId)));
      await recordStep(jobId, 'Logged in with the previous password; the vault keeps it and drops the new one');
    },

    /** For a remote node: the dependency's command, credentials included (the payload converter seals it for that node). */
    async planDependencyUpdate({ jobId, dependencyId, phase }: DependencyUpdateInput): Promise<PlannedDependencyUpdate> {
      return permanentFailuresAreFinal(() => services().dependencyUpdates.planUpdate(jobId, dependencyId, phase));
    },

    async recordDependencyUpdate({ jobId, phase, name, label, outcome }: DependencyUpdateInput & { name: string; label: string; outcome: HostCommandOutcome }): Promise<void> {
      await permanentFailuresAreFinal(() => services().dependencyUpdates.recordUpdate(jobId, label, outcome));
      await recordStep(jobId, updatedStep(name, phase));
    },

    async planRestore({ jobId }: JobRef): Promise<HostChange> {
      return permanentFailuresAreFinal(() => services().dependencyUpdates.planRestore(jobId));
    },

    async recordRestore({ jobId, outcome }: JobRef & { outcome: HostChangeOutcome }): Promise<void> {
      await permanentFailuresAreFinal(() => services().dependencyUpdates.recordRestore(jobId, outcome));
      await recordStep(jobId, 'Set the host back to the previous password');
    },

    async restoredLogin({ jobId }: JobRef): Promise<SshTarget> {
      return permanentFailuresAreFinal(() => services().dependencyUpdates.restoredLogin(jobId));
    },

    async recordRestoredLogin({ jobId, accepted }: JobRef & { accepted: boolean }): Promise<void> {
      await permanentFailuresAreFinal(() => services().dependencyUpdates.recordRestoredLogin(jobId, accepted));
      await recordStep(jobId, 'Logged in with the previous password; the vault keeps it and drops the new one');
    },

    /** A step the workflow itself reports, such as a dependency's failure. */
    async recordJobStep({ jobId, message }: JobStepInput): Promise<void> {
      await recordStep(jobId, message);
    },
  };
}
