/** The node every install has: the central workers, on the task queue its name gives. */
export const LOCAL_NODE = 'local';

/** The task queue a worker of the given node serves. */
export function taskQueueForNode(nodeName: string): string {
  return `steward.${nodeName}`;
}

/**
 * An activity input for a remote node's worker: the payload converter marks it with the node's
 * name (temporal/payload-converter.ts), so the codec seals it with that node's key rather than
 * the master key the node does not hold.
 */
export interface SealedForNode {
  sealedForNode: string;
}

/** The failure type of a host step a node stopped at a host key other than the pinned one; its details say what the node saw. */
export const HOST_KEY_MISMATCH_FAILURE = 'HostKeyMismatch';

/** Where on the API a remote node says hello at start (api/node-endpoint.ts). */
export const NODE_HELLO_PATH = '/node/hello';

/** Where on the API a remote node fetches a package its job was granted. */
export const NODE_PACKAGES_PATH = '/node/packages/';

/** Where on the API a remote node streams the output lines of the jobs it runs: `<this><job id>/output`. */
export const NODE_JOBS_PATH = '/node/jobs/';

export function nodeJobOutputPath(jobId: string): string {
  return `${NODE_JOBS_PATH}${encodeURIComponent(jobId)}/output`;
}
