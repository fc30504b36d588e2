import { createAccessRequestActivities } from './access-request';
import { createClientJobActivities } from './client-job';
import type { ActivityDependencies } from './dependencies';
import { reachThroughDatabase } from './central-reach';
import { createLockActivities } from './lock';
import { createNodeHostStepActivities } from './node-host-steps';
import { createReconciliationActivities } from './reconciliation';
import { createRecordDependencyActivities } from './record-dependencies';
import { createShareSyncActivities } from './share-sync';
import { createVaultJobActivities } from './vault-job';
import { createWebhookDeliveryActivities } from './webhook-delivery';

/** Every activity a Steward worker serves, closed over its dependencies; one factory per workflow family. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createVaultJobActivities(deps),
    ...createRecordDependencyActivities(deps),
    ...createLockActivities(deps),
    ...createAccessRequestActivities(deps),
    ...createReconciliationActivities(deps),
    ...createClientJobActivities(deps),
    ...createShareSyncActivities(deps),
    ...createWebhookDeliveryActivities(deps),
    ...createNodeHostStepActivities(reachThroughDatabase(deps)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDependencies } from './dependencies';
export type { AccountLockRequest } from './lock';
export type { ClaimedClientJobs } from './client-job';
export type { FinishJobInput, JobRef } from './vault-job';
export type { JobPlan, StartedJob } from '../services/vault/vault-job-service';
export type { DependencyRef } from '../services/vault/dependency-updates';
