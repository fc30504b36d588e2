/** The workflows a Steward worker serves. */
export * from './vault-task-job';
export * from './account-lock';
export * from './job-reconciliation';
export * from './access-request';
export * from './client-task-job';
export * from './client-run';
export * from './assignment-schedule';
