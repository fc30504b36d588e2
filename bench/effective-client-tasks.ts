/**
 * Benchmark of effectiveClientTasks on a generated tree of 100,000 systems:
 * 1 root → 10 → 100 → 1,000 leaf groups × 100 systems each. About 5% of groups and 1% of systems
 * carry assignments, and inheritance is broken at about 1% of groups and of systems.
 *
 * It times what the service does once it holds the tree's groups in memory: build the system's
 * ancestor chain from maps and run lib/effective-tasks. The baseline, measured in the same run,
 * walks the whole assignment list for every system. No assertions on timing.
 *
 *   npx ts-node --transpile-only bench/effective-client-tasks.ts   (or npm run bench:effective)
 */
import { type ChainNode, effectiveAssignments, type GroupLink, groupChain } from '../lib/effective-tasks';
import { TreeNodeKind } from '../lib/enums';

interface Group extends GroupLink {
  name: string;
}
interface System {
  id: string;
  name: string;
  groupId: string;
}
interface Assignment {
  id: string;
  clientTaskId: string;
  nodeId: string;
}

const FANOUT = [10, 10, 10];
const SYSTEMS_PER_LEAF = 100;
const SAMPLES = 10_000;
const WARMUP = 1_000;

/** mulberry32: a small seeded generator, so every run builds the same tree. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(20261125);
const groups = new Map<string, Group>();
const systems = new Map<string, System>();
const assignmentsByNode = new Map<string, Assignment[]>();
const allAssignments: Assignment[] = [];
const broken = new Set<string>();
let assignmentCount = 0;

function assignAt(nodeId: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const assignment = { id: `a-${assignmentCount++}`, clientTaskId: `t-${Math.floor(rand() * 200)}`, nodeId };
    allAssignments.push(assignment);
    assignmentsByNode.set(nodeId, [...(assignmentsByNode.get(nodeId) ?? []), assignment]);
  }
}

groups.set('g-root', { id: 'g-root', name: 'My Organization', parentId: null });
let level = ['g-root'];
for (const fanout of FANOUT) {
  const next: string[] = [];
  for (const parentId of level) {
    for (let i = 0; i < fanout; i++) {
      const id = `${parentId}.${i}`;
      groups.set(id, { id, name: `group ${id}`, parentId });
      next.push(id);
    }
  }
  level = next;
}
for (const leafId of level) {
  for (let i = 0; i < SYSTEMS_PER_LEAF; i++) {
    const id = `s-${systems.size}`;
    systems.set(id, { id, name: `system ${systems.size}`, groupId: leafId });
  }
}
assignAt('g-root', 2);
for (const id of groups.keys()) {
  if (id === 'g-root') continue;
  if (rand() < 0.05) assignAt(id, 1 + Math.floor(rand() * 3));
  if (rand() < 0.01) broken.add(id);
}
for (const id of systems.keys()) {
  if (rand() < 0.01) assignAt(id, 1);
  if (rand() < 0.01) broken.add(id);
}

/** What the service does per system, from in-memory maps. */
function indexed(systemId: string): number {
  const system = systems.get(systemId)!;
  const chain: ChainNode<Assignment>[] = groupChain(groups, system.groupId).map((group) => ({
    kind: TreeNodeKind.GROUP,
    id: group.id,
    name: group.name,
    brokenInheritance: broken.has(group.id),
    assignments: assignmentsByNode.get(group.id) ?? [],
  }));
  chain.push({ kind: TreeNodeKind.SYSTEM, id: system.id, name: system.name, brokenInheritance: broken.has(system.id), assignments: assignmentsByNode.get(system.id) ?? [] });
  return effectiveAssignments(chain).length;
}

/** Baseline: walk every assignment and test whether it reaches the system. */
function naive(systemId: string): number {
  const system = systems.get(systemId)!;
  const path: string[] = [system.id];
  for (let group = groups.get(system.groupId); group; group = group.parentId ? groups.get(group.parentId) : undefined) path.unshift(group.id);
  let count = 0;
  for (const assignment of allAssignments) {
    const depth = path.indexOf(assignment.nodeId);
    if (depth < 0) continue;
    let blocked = false;
    for (let below = depth + 1; below < path.length; below++) if (broken.has(path[below]!)) blocked = true;
    if (!blocked) count++;
  }
  return count;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function measure(name: string, fn: (systemId: string) => number, sample: string[]): { p50: number; p99: number; total: number } {
  for (let i = 0; i < WARMUP; i++) fn(sample[i % sample.length]!);
  const times: number[] = [];
  let total = 0;
  for (const systemId of sample) {
    const start = process.hrtime.bigint();
    total += fn(systemId);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  const result = { p50: percentile(times, 50), p99: percentile(times, 99), total };
  // The maximum is usually one garbage-collection pause; it is shown, not compared.
  console.log(`${name.padEnd(30)} p50 ${result.p50.toFixed(2).padStart(8)} µs   p99 ${result.p99.toFixed(2).padStart(8)} µs   max ${times[times.length - 1]!.toFixed(0).padStart(6)} µs`);
  return result;
}

const systemIds = [...systems.keys()];
const sample = Array.from({ length: SAMPLES }, () => systemIds[Math.floor(rand() * systemIds.length)]!);
const brokenGroups = [...broken].filter((id) => groups.has(id)).length;
console.log(
  `tree: ${groups.size} groups, ${systems.size} systems, ${allAssignments.length} assignments ` +
    `(${[...assignmentsByNode.keys()].filter((id) => groups.has(id)).length} groups, ${[...assignmentsByNode.keys()].filter((id) => systems.has(id)).length} systems), ` +
    `inheritance broken at ${brokenGroups} groups and ${broken.size - brokenGroups} systems`,
);
console.log(`effectiveClientTasks for ${SAMPLES} random systems (after ${WARMUP} warm-up calls):`);
const fast = measure('ancestor chain + pure module', indexed, sample);
const slow = measure('baseline: full assignment walk', naive, sample);
if (fast.total !== slow.total) throw new Error(`The two implementations disagree: ${fast.total} vs ${slow.total} effective tasks in total`);
console.log(`both found ${fast.total} effective tasks in total (${(fast.total / SAMPLES).toFixed(2)} per system)`);
console.log(`baseline / pure module: p50 ×${(slow.p50 / fast.p50).toFixed(1)}, p99 ×${(slow.p99 / fast.p99).toFixed(1)}`);
