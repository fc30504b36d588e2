/** Business IDs of the workflows that are not a job's own (`job-<id>`), shared by services and the engine adapters. */
export const ASSIGNMENT_SCHEDULE_PREFIX = 'assignment-';

/** The workflow that fires a client task assignment on its schedule. */
export function assignmentScheduleWorkflowId(assignmentId: string): string {
  return `${ASSIGNMENT_SCHEDULE_PREFIX}${assignmentId}`;
}
