import { createAccessRequestActivities } from './access-request';
import { createClientJobActivities } from './client-job';
import type { ActivityDependencies } from './dependencies';
import { createLockActivities } from './lock';
import { createReconciliationActivities } from './reconciliation';
import { createVaultJobActivities } from './vault-job';

/** Every activity a Steward worker serves, closed over its dependencies; one factory per workflow family. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createVaultJobActivities(deps),
    ...createLockActivities(deps),
    ...createAccessRequestActivities(deps),
    ...createReconciliationActivities(deps),
    ...createClientJobActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDependencies } from './dependencies';
export type { AccountLockRequest } from './lock';
export type { ClaimedClientJobs } from './client-job';
export type { FinishJobInput, JobRef } from './vault-job';
export type { JobPlan, StartedJob } from '../services/vault/vault-job-service';
