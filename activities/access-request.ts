import type { PolicyEvent } from '../lib/enums';
import { type ActivityDependencies, servicesFor } from './dependencies';

/** Activities of an access request's workflow (workflows/access-request.ts). */
export function createAccessRequestActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);

  return {
    async fireAccessEvent({ requestId, event }: { requestId: string; event: PolicyEvent }): Promise<void> {
      await services().accessRequests.fireEvent(requestId, event);
    },

    async expireAccessRequest({ requestId }: { requestId: string }): Promise<void> {
      await services().accessRequests.expire(requestId);
    },

    async lapseAccessRequest({ requestId }: { requestId: string }): Promise<void> {
      await services().accessRequests.lapse(requestId);
    },
  };
}
