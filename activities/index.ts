import { createClientJobActivities, type ClientJobDependencies } from './client-job-activities';
import { createJobEngineActivities, type JobEngineDependencies } from './job-engine-activities';
import { createVaultJobActivities, type VaultJobDependencies } from './vault-job-activities';

export type ActivityDependencies = VaultJobDependencies & JobEngineDependencies & ClientJobDependencies;

/** Every activity a Steward worker serves, closed over its dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createJobEngineActivities(deps),
    ...createVaultJobActivities(deps),
    ...createClientJobActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { AccountLockRequest, JobPlan } from './job-engine-activities';
export type { ClaimedClientJobs } from './client-job-activities';
export type { FinishJobInput, JobRef, StartedJob } from './vault-job-activities';
