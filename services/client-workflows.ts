import type { ClientRun } from '../db/entities';

/** Hands client task runs and assignment schedules to the durable engine. The Temporal implementation lives in temporal/. */
export interface ClientWorkflows {
  /** Starts the run's workflow, which starts its jobs as they fall due. Starting a run twice is harmless. */
  startRun(run: ClientRun): Promise<void>;
  /** Cancels the run's workflow: its running jobs are stopped on their hosts. */
  cancelRun(run: ClientRun): Promise<void>;
  /** Starts the assignment's schedule, or tells it that the assignment changed. */
  scheduleChanged(assignmentId: string): Promise<void>;
  /** Stops the schedule of a removed assignment. */
  stopSchedule(assignmentId: string): Promise<void>;
  /** The assignments whose schedules are running now. */
  runningSchedules(): Promise<Set<string>>;
}
