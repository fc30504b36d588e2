/**
 * P3: N records of a type with a weekly rotation, imported through GraphQL (`importRecords`, the
 * rows of bench/record-import.ts), then the time until every first occurrence is scheduled:
 * visible in Job History (the jobs query's totalCount) and its start in the engine outbox, either
 * delivered (an occurrence due within the dispatcher's lead) or waiting for its time (the
 * due-time dispatcher: no workflow sleeps for a week). This process's RSS (the stack's API and
 * worker run in it) is sampled from before the import to `waitSeconds` after the last was
 * scheduled. 100,000 records is extrapolated linearly from N.
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
  const outbox = async () =>
    (
      await em.execute<{ delivered: string; waiting: string }[]>(
        `select count(*) filter (where delivered_at is not null) delivered, count(*) filter (where delivered_at is null and due_at > now()) waiting
         from engine_outbox where kind = ? and created_at >= ?`,
        [EngineCommandKind.START_JOB, since],
      )
    )[0]!;
  const scheduled = await untilCount(
    async () => {
      const { delivered, waiting } = await outbox();
      return Number(delivered) + Number(waiting);
    },
    records,
    startedAt,
    `${records} starts delivered or waiting for their time`,
  );
  const { delivered: startedNow } = await outbox();
  await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
  const memory = rss.stop();
  const [due] = await em.execute<{ soonest: Date }[]>('select min(scheduled_for) soonest from jobs where created_at >= ? and state = ?', [since, 'SCHEDULED']);

  const perSecond = (records * 1000) / scheduled;
  const extrapolated = (scheduled * TARGET_RECORDS) / records;
  const n = records.toLocaleString('en-US');
  return [
    {
      id: 'P3',
      what: `${n} records with a weekly rotation, imported through \`importRecords\`, to every first occurrence in Job History with its start delivered or waiting in the outbox for its time (the due-time dispatcher)`,
      steward:
        `import ${ms(importMs)}; all in Job History ${ms(inJobHistory)}; all scheduled ${ms(scheduled)} (${perSecond.toFixed(0)} records/s; ${startedNow} workflows started now, the rest wait for their time); ` +
        `extrapolated to ${TARGET_RECORDS.toLocaleString('en-US')}: ${ms(extrapolated)}; stack process ${rssSummary(memory)} (${waitSeconds} s after the last)`,
      baseline: '–',
      ratio: null,
      target: `≤ ${ms(TARGET_MS)} for ${TARGET_RECORDS.toLocaleString('en-US')}; RSS ≤ 1 GiB`,
      met: extrapolated <= TARGET_MS && memory.peakMiB <= TARGET_RSS_MIB,
      samples: { records, importMs, inJobHistoryMs: inJobHistory, scheduledMs: scheduled, startedNow: Number(startedNow), extrapolatedMs: extrapolated, soonestOccurrence: due?.soonest, rss: memory },
    },
  ];
}
