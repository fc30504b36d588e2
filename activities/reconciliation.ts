import { type ActivityDependencies, servicesFor } from './dependencies';

/** Activities of the reconciliation workflow (workflows/job-reconciliation.ts). */
export function createReconciliationActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);

  return {
    async reconcileJobsWithTemporal(): Promise<number> {
      return services().reconciler.reconcileOpenJobs();
    },

    async ensureAssignmentSchedules(): Promise<number> {
      return services().assignmentFirings.ensureSchedules();
    },
  };
}
