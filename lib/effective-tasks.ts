/**
 * Which client task assignments apply to a node of the system tree, and where each comes from.
 * Pure (no I/O): the service feeds it the chain of nodes from the root down to the node, and the
 * benchmark feeds it chains built from in-memory maps.
 *
 * Assignments are inherited down the tree. A node whose inheritance is broken receives nothing
 * from its ancestors: only its own assignments and those of the nodes below it apply beneath it.
 */
import { TreeNodeKind } from './enums';

/** One node of an ancestor chain, with the assignments made directly on it. */
export interface ChainNode<A> {
  kind: TreeNodeKind;
  id: string;
  name: string;
  brokenInheritance: boolean;
  assignments: readonly A[];
}

export interface EffectiveAssignment<A> {
  assignment: A;
  /** The node the assignment is made on. */
  fromNode: ChainNode<A>;
  /** Its position in the chain: 0 is the root. */
  fromDepth: number;
  /** The nearest node at or above fromNode where inheritance is broken, or null when it is not broken there. */
  inheritanceBrokenAt: ChainNode<A> | null;
}

/** The assignments that apply to the last node of `chain` (root first), in chain order: root-most first. */
export function effectiveAssignments<A>(chain: readonly ChainNode<A>[]): EffectiveAssignment<A>[] {
  let start = 0;
  for (let i = chain.length - 1; i > 0; i--) {
    if (chain[i]!.brokenInheritance) {
      start = i;
      break;
    }
  }
  const brokenAt = start > 0 ? chain[start]! : null;
  const result: EffectiveAssignment<A>[] = [];
  for (let depth = start; depth < chain.length; depth++) {
    const node = chain[depth]!;
    for (const assignment of node.assignments) result.push({ assignment, fromNode: node, fromDepth: depth, inheritanceBrokenAt: brokenAt });
  }
  return result;
}

export interface GroupLink {
  id: string;
  parentId: string | null;
}

/** The group and its ancestors, root first, from a map of every group; a cycle or a missing parent ends the walk. */
export function groupChain<G extends GroupLink>(groups: ReadonlyMap<string, G>, groupId: string): G[] {
  const chain: G[] = [];
  const seen = new Set<string>();
  let current = groups.get(groupId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    chain.push(current);
    current = current.parentId === null ? undefined : groups.get(current.parentId);
  }
  return chain.reverse();
}
