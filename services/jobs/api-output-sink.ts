import { nodeJobOutputPath } from '../../lib/nodes';
import type { OutputRow, OutputSink } from './output-writer';

/** Requests stay well under the API's 1 MiB body limit, however long the lines. */
const MAX_REQUEST_CHARS = 256 * 1024;

/** Rows in order, cut into runs that each fit one request. */
function requestsOf(rows: OutputRow[]): OutputRow[][] {
  const requests: OutputRow[][] = [];
  let current: OutputRow[] = [];
  let size = 0;
  for (const row of rows) {
    if (current.length && size + row.text.length > MAX_REQUEST_CHARS) {
      requests.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += row.text.length + 32;
  }
  if (current.length) requests.push(current);
  return requests;
}

/**
 * A keyless node's way to a running job's live output: POSTs its lines, already redacted, to the
 * API (STEWARD_API_URL) with the job's grant. A failure is the writer's to log; the whole output
 * still comes back with the result.
 */
export function apiOutputSink(apiUrl: string, jobId: string, grant: string): OutputSink {
  const url = new URL(nodeJobOutputPath(jobId), apiUrl);
  return async (rows) => {
    for (const lines of requestsOf(rows)) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${grant}`, 'content-type': 'application/json' },
        body: JSON.stringify({ lines: lines.map(({ stream, text }) => ({ stream, text })) }),
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`the API refused output lines of job ${jobId} (${response.status}): ${(await response.text()).slice(0, 300)}`);
    }
  };
}
