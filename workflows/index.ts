/** The workflows a Steward worker serves. */
export * from './vault-task-job';
export * from './account-lock';
export * from './job-reconciliation';
export * from './access-request';
