import { condition, continueAsNew, defineSignal, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ASSIGNMENT_PLANNING } from './activity-profiles';

export interface AssignmentScheduleInput {
  assignmentId: string;
  /** The last fire time handled (ISO 8601); absent on a fresh start, which continues after the last run or edit. */
  after?: string | null;
}

/** The assignment was edited, removed, or its scope may have changed: plan again now. */
export const scheduleChangedSignal = defineSignal('scheduleChanged');

/**
 * Plans are refreshed at least this often while waiting, so systems moved in from another time
 * zone are found before their fire time.
 */
const REPLAN_INTERVAL_MS = 15 * 60_000;
const PLANS_BEFORE_CONTINUE_AS_NEW = 100;

const bookkeeping = proxyActivities<Activities>(ASSIGNMENT_PLANNING);

/**
 * One per scheduled assignment, `assignment-<id>`, however many systems it reaches: wakes once
 * per fire time (per time zone for local time), and each firing resolves the systems in scope
 * at that moment and hands them to a run. Ends when the assignment is gone or fires no more.
 */
export async function assignmentSchedule({ assignmentId, after = null }: AssignmentScheduleInput): Promise<void> {
  let changed = false;
  setHandler(scheduleChangedSignal, () => {
    changed = true;
  });
  let cursor = after;
  for (let plans = 0; plans < PLANS_BEFORE_CONTINUE_AS_NEW; plans++) {
    if (changed) cursor = null; // an edit plans from the edit, not from the old schedule's last fire
    changed = false;
    const firing = await bookkeeping.nextAssignmentFiring({ assignmentId, after: cursor });
    if (!firing) {
      setCurrentDetails('No more fire times');
      return;
    }
    const untilStart = Date.parse(firing.startAt) - Date.now();
    if (untilStart > 0) {
      setCurrentDetails(`Next fire time ${firing.firedAt} (${firing.timeZones.map((zone) => zone ?? 'UTC').join(', ')})`);
      await condition(() => changed, Math.min(untilStart, REPLAN_INTERVAL_MS));
      continue; // woken early, by a change or to refresh the plan
    }
    await bookkeeping.fireAssignment({ assignmentId, ...firing });
    cursor = firing.firedAt;
  }
  await continueAsNew<typeof assignmentSchedule>({ assignmentId, after: cursor });
}
