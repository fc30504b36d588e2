/**
 * P4 (Job History part): a page of the `jobs` query through GraphQL over many jobs, p99, next to
 * a trivial query (`{ __typename }`) on the same server, the two in turn. The jobs are copies of
 * the finished jobs the earlier benchmarks left, written with generate_series, so they spread
 * over those records, states and types; their creation times go back one second each.
 */
import { type BenchStack, gql } from './harness/fixtures';
import { timeQueryAndTrivial } from './harness/in-turn';
import { type BenchRow, latencies, ms, percentile } from './harness/results';

const TARGET_MS = 20;
const PAGE = `query ($filter: JobFilterInput, $after: String) {
  jobs(first: 25, filter: $filter, after: $after) { edges { node { id state type taskName scheduledFor startedAt finishedAt nodeName record { id name } } } pageInfo { endCursor hasNextPage } }
}`;

/** Copies finished jobs until there are `count` more, overriding only what must be unique or spread. */
async function insertJobs(bench: BenchStack, count: number): Promise<void> {
  const em = bench.stack.orm.em.fork();
  const columns = (await em.execute<{ column_name: string }[]>(`select column_name from information_schema.columns where table_schema = current_schema() and table_name = 'jobs'`)).map(
    (column) => column.column_name,
  );
  const override: Record<string, string> = {
    id: 'gen_random_uuid()',
    workflow_id: `'bench-history-' || n`,
    created_at: `now() - n * interval '1 second'`,
    updated_at: `now() - n * interval '1 second'`,
  };
  const select = columns.map((column) => override[column] ?? `t."${column}"`).join(', ');
  await em.execute(
    `insert into jobs (${columns.map((column) => `"${column}"`).join(', ')})
     select ${select} from generate_series(1, ?) n
     join (select *, row_number() over (order by id) - 1 slot, count(*) over () templates from jobs where state in ('COMPLETED', 'ERROR', 'CANCELLED')) t on t.slot = n % t.templates`,
    [count],
  );
  await em.execute('analyze jobs');
}

export async function runP4JobHistory(bench: BenchStack, jobs: number, requests: number): Promise<BenchRow[]> {
  const startedAt = Date.now();
  await insertJobs(bench, jobs);
  const inserted = Date.now() - startedAt;
  const [sample] = await bench.stack.orm.em
    .fork()
    .execute<{ record_id: string; state: string }[]>(`select record_id, state from jobs where workflow_id like 'bench-history-%' and record_id is not null limit 1`);
  if (!sample) throw new Error('no finished vault job to copy: P4 runs after the benchmarks that leave some');
  const firstPage = await gql(bench, PAGE);
  const variants: [string, Record<string, unknown>][] = [
    ['unfiltered, first page', {}],
    ['unfiltered, second page', { after: firstPage.jobs.pageInfo.endCursor }],
    ['by record', { filter: { recordId: sample.record_id } }],
    ['by state', { filter: { states: [sample.state] } }],
    ['by time (the day before)', { filter: { createdAfter: new Date(Date.now() - 2 * 86_400_000).toISOString(), createdBefore: new Date(Date.now() - 86_400_000).toISOString() } }],
  ];
  const rows: BenchRow[] = [];
  for (const [what, variables] of variants) {
    await timeQueryAndTrivial(bench, 3, PAGE, () => variables); // warm the plan and the cache
    const { query: times, trivial } = await timeQueryAndTrivial(bench, requests, PAGE, () => variables);
    const p99 = percentile(times, 99);
    const trivialP99 = percentile(trivial, 99);
    rows.push({
      id: 'P4',
      what: `Job History page of 25 over ${jobs.toLocaleString('en-US')} jobs, ${what} (baseline: \`{ __typename }\`)`,
      steward: `p99 ${ms(p99)}, ${latencies(times)}`,
      baseline: `p99 ${ms(trivialP99)}`,
      ratio: p99 / trivialP99,
      target: `p99 ≤ ${ms(TARGET_MS)}`,
      met: p99 <= TARGET_MS,
      samples: { stewardMs: times, baselineMs: trivial, insertMs: inserted },
    });
  }
  console.log(`P4: ${jobs.toLocaleString('en-US')} jobs written in ${ms(inserted)}`);
  return rows;
}
