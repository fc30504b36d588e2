import { createVaultJobActivities, type VaultJobDependencies } from './vault-job-activities';

export type ActivityDependencies = VaultJobDependencies;

/** Every activity a Steward worker serves, closed over its dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createVaultJobActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { FinishJobInput, JobPlan, JobRef } from './vault-job-activities';
