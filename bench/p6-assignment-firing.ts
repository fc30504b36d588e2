/**
 * P6: one assignment firing on many systems, measured from the assignClientTask mutation (an
 * IMMEDIATELY schedule: it fires as soon as it is made) to every job written, every job started by
 * the run's workflow, every job Running, and every job ended, sampling the jobs in flight against
 * the run's concurrency limit, this process's RSS (the stack's API and worker run in it), and the
 * rows the firing wrote.
 *
 * It measures Steward's dispatch, not SSH: the systems (written with bulk SQL into a group of
 * their own) are the bench sshd, which answers the reachability look (a key exchange, no login),
 * and have no credential record, so each job's host step fails at once ("no credential record")
 * and the job ends in Error without logging in.
 */
import { FINAL_JOB_STATES } from '../lib/enums';
import { testEnvironment } from '../test/harness/test-env';
import { uniqueName } from '../test/harness/steward';
import { DEFAULT_MAX_CONCURRENT_JOBS } from '../workflows/client-run';
import { type BenchStack, gql } from './harness/fixtures';
import { type BenchRow, ms } from './harness/results';
import { rssSummary, sampleRss } from './harness/rss';

const POLL_MS = 100;
/** The tables a firing writes to; their growth is its rows. */
const TABLES = ['client_runs', 'jobs', 'job_events', 'engine_outbox', 'audit_events'];
const FINAL = FINAL_JOB_STATES.map((state) => `'${state}'`).join(', ');

interface Progress {
  total: number;
  launched: number;
  started: number;
  ended: number;
  inFlight: number;
  running: number;
}

async function rowCounts(bench: BenchStack): Promise<Record<string, number>> {
  const [row] = await bench.stack.orm.em.fork().execute<Record<string, string>[]>(`select ${TABLES.map((table) => `(select count(*) from ${table}) "${table}"`).join(', ')}`);
  return Object.fromEntries(TABLES.map((table) => [table, Number(row![table])]));
}

/** A group of `systems` systems that are the bench sshd, without credentials. */
async function writeSystems(bench: BenchStack, systems: number): Promise<string> {
  const { systemTree } = await gql(bench, '{ systemTree { id } }');
  const created = await gql(bench, 'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { group { id name } } }', {
    input: { name: uniqueName('p6'), parentId: systemTree[0].id },
  });
  const group = created.createGroup.group;
  const { sshdHost, sshdPort, sshdFingerprint } = testEnvironment();
  await bench.stack.orm.em
    .fork()
    .execute(
      `insert into managed_systems (id, name, group_id, host, port, host_key_fingerprint) select gen_random_uuid(), ? || '/' || i, ?, ?, ?, ? from generate_series(1, ?) i`,
      [group.name, group.id, sshdHost, sshdPort, sshdFingerprint, systems],
    );
  await bench.stack.orm.em.fork().execute('analyze managed_systems');
  return group.id;
}

async function wakeupTask(bench: BenchStack): Promise<string> {
  const { products } = await gql(bench, '{ products { name taskTypes { id name } } }');
  const wakeup = products.find((product: any) => product.name === 'Agent').taskTypes.find((type: any) => type.name === 'Wakeup');
  const created = await gql(bench, 'mutation ($input: CreateClientTaskInput!) { createClientTask(input: $input) { clientTask { id } } }', {
    input: { taskTypeId: wakeup.id, name: uniqueName('p6'), settings: {} },
  });
  const clientTaskId = created.createClientTask.clientTask.id;
  await gql(bench, 'mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId, enabled: true } });
  return clientTaskId;
}

export async function runP6(bench: BenchStack, systems: number): Promise<BenchRow[]> {
  const groupId = await writeSystems(bench, systems);
  const clientTaskId = await wakeupTask(bench);
  const em = bench.stack.orm.em.fork();
  const before = await rowCounts(bench);
  const rss = sampleRss();
  const sentAt = Date.now();
  const assigned = await gql(bench, 'mutation ($input: AssignClientTaskInput!) { assignClientTask(input: $input) { assignment { id } } }', {
    input: { clientTaskId, groupId, schedule: { kind: 'IMMEDIATELY' } },
  });
  const assignmentId = assigned.assignClientTask.assignment.id;
  const at: Partial<Record<'created' | 'launched' | 'started' | 'ended', number>> = {};
  let peakInFlight = 0;
  let peakRunning = 0;
  let runId: string | undefined;
  let firedAt: number | undefined;
  // Past the deadline the row says how far the firing got, rather than nothing.
  const deadline = Date.now() + Math.max(20 * 60_000, systems * 2_000);
  try {
    while (at.ended === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!runId) {
        const [run] = await em.execute<{ id: string; fired_at: Date }[]>('select id, fired_at from client_runs where assignment_id = ?', [assignmentId]);
        if (!run) continue;
        runId = run.id;
        firedAt = new Date(run.fired_at).getTime();
      }
      const [row] = await em.execute<Record<keyof Progress, string>[]>(
        `select count(*) total, count(launched_at) launched, count(started_at) started, count(*) filter (where state in (${FINAL})) ended,
                count(*) filter (where launched_at is not null and state not in (${FINAL})) "inFlight", count(*) filter (where state = 'RUNNING') running
         from jobs where run_id = ?`,
        [runId],
      );
      const progress = Object.fromEntries(Object.entries(row!).map(([key, value]) => [key, Number(value)])) as unknown as Progress;
      const now = Date.now() - sentAt;
      peakInFlight = Math.max(peakInFlight, progress.inFlight);
      peakRunning = Math.max(peakRunning, progress.running);
      if (progress.total === systems) at.created ??= now;
      if (progress.launched === systems) at.launched ??= now;
      if (progress.started === systems) at.started ??= now;
      if (progress.ended === systems) at.ended ??= now;
    }
  } finally {
    await gql(bench, 'mutation ($input: SetClientTaskEnabledInput!) { setClientTaskEnabled(input: $input) { clientTask { id } } }', { input: { clientTaskId, enabled: false } });
  }
  if (!runId) throw new Error('the assignment never fired');
  const memory = rss.stop();
  const after = await rowCounts(bench);
  const written = Object.fromEntries(TABLES.map((table) => [table, after[table]! - before[table]!]));
  const states = await em.execute<{ state: string; count: string }[]>('select state, count(*) count from jobs where run_id = ? group by state', [runId]);
  // Where a job's time in flight goes: before Running (plan, reachability look, system lock), then Running to ended.
  const [phases] = await em.execute<{ waiting: number; running: number }[]>(
    `select percentile_cont(0.5) within group (order by extract(epoch from started_at - launched_at) * 1000) waiting,
            percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at) * 1000) running
     from jobs where run_id = ?`,
    [runId],
  );
  const endedAs = states.map((row) => `${Number(row.count).toLocaleString('en-US')} ${row.state}`).join(', ');
  const n = systems.toLocaleString('en-US');
  const never = (time: number | undefined) => (time === undefined ? 'never' : ms(time));
  return [
    {
      id: 'P6',
      what: `one assignment firing on ${n} systems (the bench sshd, no credentials: a key exchange each, no login), limit ${DEFAULT_MAX_CONCURRENT_JOBS} jobs at a time`,
      steward:
        `from the mutation: every job written ${never(at.created)}, every job started by the run ${never(at.launched)}, every job Running ${never(at.started)}, ` +
        `every job ended ${never(at.ended)}${at.ended ? ` (${((systems * 1000) / at.ended).toFixed(1)} jobs/s)` : ''} (${endedAs}); peak in flight ${peakInFlight}, peak Running ${peakRunning}; ` +
        `a job's median from started by the run to Running ${ms(phases!.waiting)}, Running to ended ${ms(phases!.running)}; ` +
        `rows written: ${TABLES.map((table) => `${table} ${written[table]!.toLocaleString('en-US')}`).join(', ')}; stack process ${rssSummary(memory)}`,
      baseline: '–',
      ratio: null,
      target: `report (in flight ≤ ${DEFAULT_MAX_CONCURRENT_JOBS})`,
      met: at.ended !== undefined && peakInFlight <= DEFAULT_MAX_CONCURRENT_JOBS,
      samples: { firedAfterMs: firedAt! - sentAt, times: at, peakInFlight, peakRunning, medianPhasesMs: phases, written, endedAs, rss: memory },
    },
  ];
}
