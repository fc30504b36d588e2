/**
 * P7: state change to subscription event, p95. One graphql-ws client follows `jobUpdated` for a
 * record while Custom Command jobs (`true`) run on it one after another; each event's latency is
 * when the client received it minus `changedAt`, the database's clock when the state was written
 * (PostgreSQL runs on this machine, so the clocks agree). It spans the commit, NOTIFY, the API's
 * LISTEN fan-out, the permission check and the WebSocket.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually } from '../test/harness/steward';
import { createRotatableRecord, runOnDemand } from '../test/harness/vault-fixtures';
import { addCustomCommand, type BenchStack, POLL_MS } from './harness/fixtures';
import { type BenchRow, latencies, ms, percentile } from './harness/results';

const TARGET_MS = 1_000;

interface Received {
  jobId: string;
  state: string;
  latencyMs: number;
}

export async function runP7(bench: BenchStack, jobs: number): Promise<BenchRow[]> {
  const record = await createRotatableRecord(bench.stack, bench.token, { script: 'VERIFY_PASSWORD' });
  const client = createClient({
    url: bench.stack.api.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${bench.token}` },
    retryAttempts: 0,
  });
  try {
    const taskId = await addCustomCommand(bench, record.recordId, 'true');
    const received: Received[] = [];
    let failure: unknown;
    client.subscribe<{ jobUpdated: { state: string; changedAt: string; job: { id: string } } }>(
      { query: 'subscription ($filter: JobFilterInput) { jobUpdated(filter: $filter) { state changedAt job { id } } }', variables: { filter: { recordId: record.recordId } } },
      {
        next: ({ data }) => {
          if (data) received.push({ jobId: data.jobUpdated.job.id, state: data.jobUpdated.state, latencyMs: Date.now() - Date.parse(data.jobUpdated.changedAt) });
        },
        error: (error) => (failure = error),
        complete: () => undefined,
      },
    );
    // The first job only warms up (and shows the subscription is listening): its events are not counted.
    const warmUp = await runOnDemand(bench.stack, bench.token, record.recordId, taskId);
    await eventually(async () => (received.some((event) => event.jobId === warmUp.id && event.state === 'COMPLETED') ? true : undefined), 60_000, 'the warm-up job’s events', POLL_MS);
    const measured = new Set<string>();
    for (let run = 0; run < jobs; run++) {
      const job = await runOnDemand(bench.stack, bench.token, record.recordId, taskId);
      measured.add(job.id);
      await eventually(async () => (received.some((event) => event.jobId === job.id && event.state === 'COMPLETED') ? true : undefined), 60_000, 'the job’s Completed event', POLL_MS);
    }
    if (failure) throw new Error(`the subscription failed: ${JSON.stringify(failure)}`);
    const times = received.filter((event) => measured.has(event.jobId)).map((event) => event.latencyMs);
    const p95 = percentile(times, 95);
    return [
      {
        id: 'P7',
        what: `state change to jobUpdated event over WebSocket (${jobs} Custom Command jobs, ${times.length} events)`,
        steward: latencies(times),
        baseline: '–',
        ratio: null,
        target: `p95 ≤ ${ms(TARGET_MS)}`,
        met: p95 <= TARGET_MS,
        samples: { stewardMs: times },
      },
    ];
  } finally {
    await client.dispose();
    await record.removeUser();
  }
}
