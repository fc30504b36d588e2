/** The workflows a Steward worker serves. */
export * from './vault-task-job';
