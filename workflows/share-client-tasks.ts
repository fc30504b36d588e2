import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { JOB_BOOKKEEPING, SHARE_WITH_PEER } from './activity-profiles';

const bookkeeping = proxyActivities<Activities>(JOB_BOOKKEEPING);
const { shareWithPeer } = proxyActivities<Activities>(SHARE_WITH_PEER);

export interface ShareClientTasksResult {
  peers: number;
  failed: number;
}

/**
 * The Share Client Tasks server task, started by its Temporal Schedule (`share-client-tasks`) or
 * by Run Now: one activity per registered, enabled peer, all at once, so a peer that is down
 * holds up no other. Its failure is logged after its retries; it catches up on a later run.
 */
export async function shareClientTasks(): Promise<ShareClientTasksResult> {
  const { runId, peerIds } = await bookkeeping.startShareRun({ workflowId: workflowInfo().workflowId });
  const outcomes = await Promise.allSettled(peerIds.map((peerId) => shareWithPeer({ runId, peerId })));
  let failed = 0;
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'fulfilled') continue;
    failed++;
    await bookkeeping.recordSharePeerFailure({ runId, peerId: peerIds[index]!, error: failureMessage(outcome.reason) });
  }
  await bookkeeping.finishShareRun({ runId });
  return { peers: peerIds.length, failed };
}

/** The activity's own error, not Temporal's wrapper around it. */
function failureMessage(reason: unknown): string {
  if (reason instanceof ActivityFailure) return reason.cause?.message ?? reason.message;
  return reason instanceof Error ? reason.message : String(reason);
}
