/**
 * P3 with today's design: N records of a type with a weekly rotation, imported through GraphQL
 * (`importRecords`, the rows of bench/record-import.ts), then the time until every first
 * occurrence is scheduled: visible in Job History (the jobs query's totalCount) and started in
 * Temporal as its sleeping job workflow (every start command of the engine outbox delivered).
 * This process's RSS (the stack's API and worker run in it) is sampled from before the import to
 * `waitSeconds` after the last workflow started. 100,000 records is extrapolated linearly from N.
 */
import { type BenchStack, gql } from './harness/fixtures';
import { type BenchRow, ms } from './harness/results';
import { rssSummary, sampleRss } from './harness/rss';
import { csv, rotationTask } from './record-import';
import { eventually, uniqueName } from '../test/harness/steward';
import { EngineCommandKind } from '../db/entities';

const TARGET_RECORDS = 100_000;
const TARGET_MS = 60_000;
const TARGET_RSS_MIB = 1024;
const POLL_MS = 100;

async function untilCount(count: () => Promise<number>, expected: number, startedAt: number, what: string): Promise<number> {
  await eventually(async () => ((await count()) >= expected ? true : undefined), Math.max(10 * 60_000, expected * 200), what, POLL_MS);
  return Date.now() - startedAt;
}

export async function runP3(bench: BenchStack, records: number, waitSeconds: number): Promise<BenchRow[]> {
  const created = await gql(bench, 'mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', {
    input: { name: uniqueName('p3'), tasks: [rotationTask(7)] },
  });
  const content = csv(records, uniqueName('p3'));
  const em = bench.stack.orm.em.fork();
  const since = new Date(Date.now() - 1000).toISOString(); // the database's clock and this one agree to well within a second
  const rss = sampleRss();
  const startedAt = Date.now();
  const imported = await gql(bench, 'mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created errors { row field message } } }', {
    input: { format: 'CSV', content, recordTypeId: created.createRecordType.recordType.id },
  });
  const importMs = Date.now() - startedAt;
  if (imported.importRecords.created !== records) throw new Error(`imported ${imported.importRecords.created} of ${records}: ${JSON.stringify(imported.importRecords.errors.slice(0, 3))}`);
  const inJobHistory = await untilCount(
    async () => (await gql(bench, 'query ($filter: JobFilterInput) { jobs(first: 1, filter: $filter) { totalCount } }', { filter: { createdAfter: since, states: ['SCHEDULED'] } })).jobs.totalCount,
    records,
    startedAt,
    `${records} Scheduled jobs in Job History`,
  );
  const undelivered = async () =>
    Number(
      (
        await em.execute<{ n: string }[]>('select count(*) n from engine_outbox where kind = ? and created_at >= ? and delivered_at is null', [EngineCommandKind.START_JOB, since])
      )[0]!.n,
    );
  const started = await untilCount(async () => records - (await undelivered()), records, startedAt, `${records} job workflows to start`);
  await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
  const memory = rss.stop();
  const [due] = await em.execute<{ soonest: Date }[]>('select min(scheduled_for) soonest from jobs where created_at >= ? and state = ?', [since, 'SCHEDULED']);

  const perSecond = (records * 1000) / started;
  const extrapolated = (started * TARGET_RECORDS) / records;
  const n = records.toLocaleString('en-US');
  return [
    {
      id: 'P3',
      what: `${n} records with a weekly rotation, imported through \`importRecords\`, to every first occurrence in Job History and its workflow started (today's design: a sleeping workflow each)`,
      steward:
        `import ${ms(importMs)}; all in Job History ${ms(inJobHistory)}; all workflows started ${ms(started)} (${perSecond.toFixed(0)} records/s); ` +
        `extrapolated to ${TARGET_RECORDS.toLocaleString('en-US')}: ${ms(extrapolated)}; stack process ${rssSummary(memory)} (${waitSeconds} s after the last start)`,
      baseline: '–',
      ratio: null,
      target: `≤ ${ms(TARGET_MS)} for ${TARGET_RECORDS.toLocaleString('en-US')}; RSS ≤ 1 GiB`,
      met: extrapolated <= TARGET_MS && memory.peakMiB <= TARGET_RSS_MIB,
      samples: { records, importMs, inJobHistoryMs: inJobHistory, startedMs: started, extrapolatedMs: extrapolated, soonestOccurrence: due?.soonest, rss: memory },
    },
  ];
}
