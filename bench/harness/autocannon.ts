/**
 * Throughput of one GraphQL request, repeated by autocannon over `connections` connections for a
 * few seconds. Autocannon runs in a child process, so the load it makes does not share the event
 * loop of the API it measures; the token travels in the environment, not on the command line.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchStack } from './fixtures';

export interface Throughput {
  requestsPerSecond: number;
  requests: number;
  /** Responses other than 2xx, connection errors and timeouts: any of them spoils the figure. */
  failed: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

const RUN_AUTOCANNON = `
const options = JSON.parse(process.env.BENCH_AUTOCANNON);
require('autocannon')(options, (error, result) => {
  if (error) throw error;
  process.stdout.write(JSON.stringify(result));
});`;

export async function throughput(bench: BenchStack, query: string, variables: Record<string, unknown>, connections: number, seconds: number): Promise<Throughput> {
  const options = {
    url: bench.stack.api.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.token}` },
    body: JSON.stringify({ query, variables }),
    connections,
    duration: seconds,
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', RUN_AUTOCANNON], {
    env: { ...process.env, BENCH_AUTOCANNON: JSON.stringify(options) },
    maxBuffer: 16 * 2 ** 20,
  });
  const result = JSON.parse(stdout);
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}
