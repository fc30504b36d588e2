/** The node every install has: the central workers, on the task queue its name gives. */
export const LOCAL_NODE = 'local';

/** The task queue a worker of the given node serves. */
export function taskQueueForNode(nodeName: string): string {
  return `steward.${nodeName}`;
}
