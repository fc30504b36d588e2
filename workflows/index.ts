/** The workflows a Steward worker serves. */
import { resourceLock } from './resource-lock';

export * from './vault-task-job';
export * from './resource-lock';
export * from './job-reconciliation';
export * from './access-request';
export * from './client-task-job';
export * from './client-run';
export * from './assignment-schedule';
export * from './share-client-tasks';
export * from './webhook-delivery';

/**
 * The lock workflow's type name before it was renamed `resourceLock`. Temporal finds a workflow's
 * code by its type, which is the name it is exported under here, so locks started as `accountLock`
 * (and continuing as new under it) keep running after a deploy. New locks start as `resourceLock`.
 * Keep this alias while any `accountLock` workflow may be open.
 */
export const accountLock = resourceLock;
