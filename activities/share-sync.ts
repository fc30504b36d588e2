import { Context } from '@temporalio/activity';
import { type ActivityDependencies, servicesFor } from './dependencies';

/** Activities of the Share Client Tasks server task (workflows/share-client-tasks.ts). */
export function createShareSyncActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);

  return {
    /** Opens the run in the server task log and Job History; a retry finds the run it opened. */
    async startShareRun({ workflowId }: { workflowId: string }): Promise<{ runId: string; peerIds: string[] }> {
      return services().shareSync.startRun(workflowId);
    },

    /** Brings one peer up to date, heartbeating after each bundle it answers. */
    async shareWithPeer({ runId, peerId }: { runId: string; peerId: string }): Promise<{ sent: number; refused: number; bytes: number }> {
      const context = Context.current();
      const figures = await services().shareSync.syncPeer(runId, peerId, () => context.heartbeat());
      return { sent: figures.sent, refused: figures.refused.length, bytes: figures.bytes };
    },

    async recordSharePeerFailure({ runId, peerId, error }: { runId: string; peerId: string; error: string }): Promise<void> {
      await services().shareSync.peerFailed(runId, peerId, error);
    },

    async finishShareRun({ runId }: { runId: string }): Promise<void> {
      await services().shareSync.finishRun(runId);
    },
  };
}
