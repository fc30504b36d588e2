/**
 * P4 (effectiveClientTasks part): the query through GraphQL on the database, over a tree of
 * `systems` systems written with bulk SQL in the shape of bench/effective-client-tasks.ts: a group
 * under My Organization → 10 → 100 → 1,000 leaf groups, the systems spread over the leaves. Its top
 * group carries 2 assignments; about 5% of its groups carry 1–3 and 1% of its systems 1;
 * inheritance is broken at about 1% of its groups and systems. The tasks are disabled Wakeup tasks
 * on a schedule that fired once in the past, so none of it ever runs.
 *
 * Latency: the query for random systems of the tree and `{ __typename }` in turn, p99 of each.
 * Throughput: autocannon on the query for one system, between two runs on the trivial query.
 */
import { randomBytes } from 'node:crypto';
import { type BenchStack, gql } from './harness/fixtures';
import { throughput, type Throughput } from './harness/autocannon';
import { timeQueryAndTrivial } from './harness/in-turn';
import { type BenchRow, latencies, ms, percentile } from './harness/results';

const TARGET_MS = 10;
const TARGET_RATIO = 0.5;
const FANOUT = 10;
const LEAF_GROUPS = FANOUT ** 3;
const CLIENT_TASKS = 200;
const CONNECTIONS = 10;
const EFFECTIVE = `query ($systemId: ID!) { effectiveClientTasks(systemId: $systemId) {
  assignment { id } clientTask { id name } fromNode { kind id name path } inheritanceBrokenAt { id name } } }`;
/** Fired once, long ago, and not run late: no schedule workflow is ever started for it. */
const PAST_ONCE = JSON.stringify({ kind: 'ONCE', startAt: '2020-01-01T00:00:00Z', timeBasis: 'UTC', runMissed: false });

/** Writes the tree in one transaction; every name starts with `tag`. */
async function writeTree(bench: BenchStack, tag: string, systems: number): Promise<void> {
  const perLeaf = Math.max(1, Math.round(systems / LEAF_GROUPS));
  await bench.stack.orm.em.fork().transactional(async (em) => {
    await em.execute('select setseed(0.20261201)'); // the same tree every run
    await em.execute(
      `with top as (
         insert into system_groups (id, name, parent_id) select gen_random_uuid(), ?, id from system_groups where parent_id is null returning id, name),
       l1 as (insert into system_groups (id, name, parent_id) select gen_random_uuid(), top.name || '.' || i, top.id from top, generate_series(0, ${FANOUT - 1}) i returning id, name),
       l2 as (insert into system_groups (id, name, parent_id) select gen_random_uuid(), l1.name || '.' || i, l1.id from l1, generate_series(0, ${FANOUT - 1}) i returning id, name),
       l3 as (insert into system_groups (id, name, parent_id) select gen_random_uuid(), l2.name || '.' || i, l2.id from l2, generate_series(0, ${FANOUT - 1}) i returning id, name)
       insert into managed_systems (id, name, group_id, host, host_key_fingerprint)
       select gen_random_uuid(), l3.name || '/' || i, l3.id, 'host-' || i || '.' || replace(l3.name, '.', '-') || '.invalid', 'SHA256:' || repeat('A', 43)
       from l3, generate_series(1, ?) i`,
      [tag, perLeaf],
    );
    await em.execute(
      `insert into client_tasks (id, task_type_id, name, settings, enabled)
       select gen_random_uuid(), t.id, ? || '-task-' || i, '{}', false
       from client_task_types t join products p on p.id = t.product_id, generate_series(1, ?) i where p.name = 'Agent' and t.name = 'Wakeup'`,
      [tag, CLIENT_TASKS],
    );
    const like = `${tag}%`;
    const assign = (column: 'group_id' | 'system_id', nodes: string, nodeParameters: string[]) =>
      em.execute(
        `insert into client_task_assignments (id, client_task_id, ${column}, schedule)
         select gen_random_uuid(), tasks.ids[1 + floor(random() * array_length(tasks.ids, 1))::int], node.id, ?::jsonb
         from (select array_agg(id) ids from client_tasks where name like ?) tasks, (${nodes}) node join generate_series(1, 3) k on k <= node.count`,
        [PAST_ONCE, like, ...nodeParameters],
      );
    await assign(
      'group_id',
      `select id, 2 count from system_groups where name = ?
       union all select id, count from (select id, random() r, 1 + floor(random() * 3)::int count from system_groups where name like ? and name <> ?) g where r < 0.05`,
      [tag, like, tag],
    );
    await assign('system_id', `select id, 1 count from managed_systems where name like ? and random() < 0.01`, [like]);
    await em.execute(
      `insert into inheritance_breaks (id, group_id) select gen_random_uuid(), id from system_groups where name like ? and name <> ? and random() < 0.01`,
      [like, tag],
    );
    await em.execute(`insert into inheritance_breaks (id, system_id) select gen_random_uuid(), id from managed_systems where name like ? and random() < 0.01`, [like]);
  });
  await bench.stack.orm.em.fork().execute('analyze system_groups, managed_systems, client_tasks, client_task_assignments, inheritance_breaks');
}

/** How big the tree came out, for the row. */
async function treeShape(bench: BenchStack, tag: string): Promise<string> {
  const like = `${tag}%`;
  const [shape] = await bench.stack.orm.em.fork().execute<Record<string, string>[]>(
    `select (select count(*) from system_groups where name like ?) groups, (select count(*) from managed_systems where name like ?) systems,
            (select count(*) from client_task_assignments a left join system_groups g on g.id = a.group_id left join managed_systems s on s.id = a.system_id
              where g.name like ? or s.name like ?) assignments,
            (select count(*) from inheritance_breaks b left join system_groups g on g.id = b.group_id left join managed_systems s on s.id = b.system_id
              where g.name like ? or s.name like ?) breaks`,
    [like, like, like, like, like, like],
  );
  const n = (key: string) => Number(shape![key]).toLocaleString('en-US');
  return `${n('systems')} systems in ${n('groups')} groups, ${n('assignments')} assignments, ${n('breaks')} inheritance breaks`;
}

const perSecond = (run: Throughput) => `${Math.round(run.requestsPerSecond)} requests/s (p99 ${ms(run.latencyP99Ms)}${run.failed ? `, ${run.failed} failed` : ''})`;

export async function runP4EffectiveClientTasks(bench: BenchStack, systems: number, requests: number, seconds: number): Promise<BenchRow[]> {
  const tag = `p4-${randomBytes(3).toString('hex')}`;
  const startedAt = Date.now();
  await writeTree(bench, tag, systems);
  const written = Date.now() - startedAt;
  const shape = await treeShape(bench, tag);
  console.log(`P4: tree written in ${ms(written)}: ${shape}`);
  const sample = (
    await bench.stack.orm.em.fork().execute<{ id: string }[]>('select id from managed_systems where name like ? order by random() limit ?', [`${tag}%`, requests])
  ).map((row) => row.id);
  const variables = (request: number) => ({ systemId: sample[request % sample.length] });
  await timeQueryAndTrivial(bench, 5, EFFECTIVE, variables); // warm the plans and the cache
  const { query: times, trivial } = await timeQueryAndTrivial(bench, requests, EFFECTIVE, variables);
  let found = 0;
  for (const systemId of sample.slice(0, 20)) found += (await gql(bench, EFFECTIVE, { systemId })).effectiveClientTasks.length;
  const p99 = percentile(times, 99);
  const trivialP99 = percentile(trivial, 99);

  // The one system autocannon asks about answers without errors (autocannon sees only HTTP statuses).
  const typical = { systemId: sample[0] };
  await gql(bench, EFFECTIVE, typical);
  const trivialBefore = await throughput(bench, '{ __typename }', {}, CONNECTIONS, seconds);
  const query = await throughput(bench, EFFECTIVE, typical, CONNECTIONS, seconds);
  const trivialAfter = await throughput(bench, '{ __typename }', {}, CONNECTIONS, seconds);
  const trivialRate = (trivialBefore.requestsPerSecond + trivialAfter.requestsPerSecond) / 2;
  const ratio = query.requestsPerSecond / trivialRate;
  const failed = trivialBefore.failed + query.failed + trivialAfter.failed;
  return [
    {
      id: 'P4',
      what: `\`effectiveClientTasks\` through GraphQL on a tree of ${shape}; ${(found / 20).toFixed(1)} effective tasks a system (baseline: \`{ __typename }\`)`,
      steward: `p99 ${ms(p99)}, ${latencies(times)}`,
      baseline: `p99 ${ms(trivialP99)}, ${latencies(trivial)}`,
      ratio: p99 / trivialP99,
      target: `p99 ≤ ${ms(TARGET_MS)}`,
      met: p99 <= TARGET_MS,
      samples: { stewardMs: times, baselineMs: trivial, treeWrittenMs: written },
    },
    {
      id: 'P4',
      what: `throughput (autocannon, ${CONNECTIONS} connections, ${seconds} s each): \`effectiveClientTasks\` on that tree (baseline: \`{ __typename }\` before and after)`,
      steward: perSecond(query),
      baseline: `${perSecond(trivialBefore)}; ${perSecond(trivialAfter)}`,
      ratio,
      target: `≥ ${TARGET_RATIO * 100}%`,
      met: ratio >= TARGET_RATIO && failed === 0,
      samples: { query, trivialBefore, trivialAfter },
    },
  ];
}
