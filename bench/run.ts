/**
 * The benchmark suite of issue 14: starts the real services once (a Temporal dev server, an sshd
 * with test accounts, a migrated database) and a Steward stack on them, runs each benchmark with
 * its baseline in the same run, prints one table and writes it as JSON to .data/bench-results.json.
 * Never part of `npm test` or CI.
 *
 *   npm run bench [-- --runs 20 --p5-runs 10 --p2-jobs 200 --p2-accounts 10 --p4-jobs 1000000 --p4-requests 200 --p7-jobs 20]
 *                    [-- --p6-systems 200 --p3-records 2000 --p3-wait 10 --p4-systems 100000 --p4-seconds 5]
 *   npm run bench -- --p2-jobs 1000 --p2-accounts 50     (the full P2 figure)
 *   npm run bench -- --only P3,P6                        (only those benchmarks)
 *   npm run bench -- --only P2 --cluster                 (on a PostgreSQL-backed Temporal cluster instead of the dev server)
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { installTemporalRuntime } from '../temporal/runtime';
// The stack's logs show warnings and errors only (STEWARD_TEST_LOG_LEVEL to see more), so the table stands out.
import '../test/harness/quiet-logs';
import { ADMIN_ROLES, startStewardStack } from '../test/harness/steward';
import { setting } from './harness/fixtures';
import { type BenchRow, notMeasured, table } from './harness/results';
import { startBenchServices } from './harness/services';
import { runP1 } from './p1-on-demand-latency';
import { runP2 } from './p2-throughput';
import { runP3 } from './p3-record-scheduling';
import { runP4EffectiveClientTasks } from './p4-effective-client-tasks';
import { runP4JobHistory } from './p4-job-history';
import { runP5 } from './p5-signal-reaction';
import { runP6 } from './p6-assignment-firing';
import { runP7 } from './p7-live-updates';

const RUNS = setting('runs', 20);
const P5_RUNS = setting('p5-runs', 10);
const P2_JOBS = setting('p2-jobs', 200);
const P2_ACCOUNTS = setting('p2-accounts', 10);
const P4_JOBS = setting('p4-jobs', 1_000_000);
const P4_REQUESTS = setting('p4-requests', 200);
const P7_JOBS = setting('p7-jobs', 20);
const P6_SYSTEMS = setting('p6-systems', 200);
const P3_RECORDS = setting('p3-records', 2_000);
const P3_WAIT_SECONDS = setting('p3-wait', 10);
const P4_SYSTEMS = setting('p4-systems', 100_000);
const P4_SECONDS = setting('p4-seconds', 5);

const IDS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7'];

/** `--only P3,P6`: the benchmarks to run; all of them without it. */
function onlyIds(): string[] {
  const at = process.argv.indexOf('--only');
  if (at < 0) return IDS;
  const ids = (process.argv[at + 1] ?? '').split(',').map((id) => id.trim().toUpperCase());
  if (!ids.length || ids.some((id) => !IDS.includes(id))) throw new Error(`--only takes a comma-separated list of ${IDS.join(', ')}`);
  return ids;
}

const RESULTS_FILE = path.resolve(__dirname, '..', '.data', 'bench-results.json');

async function main(): Promise<void> {
  const startedAt = new Date();
  const only = onlyIds();
  installTemporalRuntime();
  const cluster = process.argv.includes('--cluster');
  const services = await startBenchServices({ cluster });
  const rows: BenchRow[] = [];
  try {
    const stack = await startStewardStack();
    try {
      const bench = { stack, token: await stack.signIn(ADMIN_ROLES) };
      const suite: [string, () => Promise<BenchRow[]>][] = [
        ['P1', () => runP1(bench, RUNS)],
        ['P5', () => runP5(bench, P5_RUNS)],
        ['P2', () => runP2(bench, P2_JOBS, P2_ACCOUNTS)],
        ['P7', () => runP7(bench, P7_JOBS)],
        ['P6', () => runP6(bench, P6_SYSTEMS)],
        ['P3', () => runP3(bench, P3_RECORDS, P3_WAIT_SECONDS)],
        // Late: it copies the jobs the others left, and its million rows would weigh on them.
        ['P4', () => runP4JobHistory(bench, P4_JOBS, P4_REQUESTS)],
        // Last: its tree's assignments add to every reconciliation pass after it.
        ['P4', () => runP4EffectiveClientTasks(bench, P4_SYSTEMS, P4_REQUESTS, P4_SECONDS)],
      ];
      for (const [id, run] of suite.filter(([id]) => only.includes(id))) {
        const began = Date.now();
        console.log(`${id}…`);
        // One benchmark that fails leaves its row saying so; the others still run.
        rows.push(
          ...(await run().catch((error: unknown) => {
            console.error(error);
            return [{ ...notMeasured(id, 'failed', '–'), steward: `failed: ${error instanceof Error ? error.message : String(error)}` }];
          })),
        );
        console.log(`${id} done in ${((Date.now() - began) / 1000).toFixed(0)} s`);
      }
    } finally {
      await stack.stop();
    }
  } finally {
    await services.stop();
  }
  rows.sort((a, b) => IDS.indexOf(a.id) - IDS.indexOf(b.id));

  const machine = `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`;
  console.log(`\nnpm run bench, ${startedAt.toISOString()}, ${machine}, on ${services.temporal}\n`);
  console.log(table(rows));
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify({ startedAt, machine, temporal: services.temporal, settings: { only, RUNS, P5_RUNS, P2_JOBS, P2_ACCOUNTS, P4_JOBS, P4_REQUESTS, P7_JOBS, P6_SYSTEMS, P3_RECORDS, P3_WAIT_SECONDS, P4_SYSTEMS, P4_SECONDS }, rows }, null, 2)}\n`);
  console.log(`\nwritten to .data/bench-results.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
