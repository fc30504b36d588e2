import { condition, defineSignal, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PolicyEvent } from '../lib/enums';
import { JOB_LAUNCHING } from './activity-profiles';

export interface AccessRequestInput {
  requestId: string;
}

export const accessApprovedSignal = defineSignal<[{ expiresAt: string }]>('accessApproved');
export const accessDeniedSignal = defineSignal('accessDenied');
export const accessCheckedInSignal = defineSignal('accessCheckedIn');

const access = proxyActivities<Activities>(JOB_LAUNCHING);

/** How long a request may wait for a decision before it lapses. */
const DECISION_TIMEOUT = '7 days';

/**
 * One access request, `access-request-<id>`: it waits for a decision, then for check-in or the
 * end of the approved time, and fires the record's After Approval, After Check-In and After
 * Expire tasks. The API records each decision in the database and signals this workflow.
 */
export async function accessRequest({ requestId }: AccessRequestInput): Promise<void> {
  let expiresAt: string | null = null;
  let denied = false;
  let checkedIn = false;
  setHandler(accessApprovedSignal, (approval) => {
    expiresAt = approval.expiresAt;
  });
  setHandler(accessDeniedSignal, () => {
    denied = true;
  });
  setHandler(accessCheckedInSignal, () => {
    checkedIn = true;
  });

  setCurrentDetails('Waiting for an approver');
  if (!(await condition(() => expiresAt !== null || denied, DECISION_TIMEOUT))) {
    await access.lapseAccessRequest({ requestId });
    return;
  }
  if (denied) return;

  await access.fireAccessEvent({ requestId, event: PolicyEvent.AFTER_APPROVAL });
  setCurrentDetails(`Approved until ${expiresAt}; waiting for check-in`);
  const remainingMs = Math.max(Date.parse(expiresAt!) - Date.now(), 0);
  if (await condition(() => checkedIn, remainingMs)) {
    await access.fireAccessEvent({ requestId, event: PolicyEvent.AFTER_CHECK_IN });
    return;
  }
  setCurrentDetails('Expired');
  await access.expireAccessRequest({ requestId });
}
