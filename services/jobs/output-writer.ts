import { logger } from '../../infra/logger';
import { OutputStream } from '../../lib/enums';
import { LineSplitter } from '../../lib/output-lines';
import { redact } from '../shared/redaction';

/** At most this many lines per write, and per read by a subscriber. */
export const BATCH_LINES = 500;

/** Lines not meant for people, such as an endpoint's machine-readable report. */
export type HiddenLine = (stream: 'stdout' | 'stderr', line: string) => boolean;

/** One line of a running job's output, redacted, as it goes to the job's output log. */
export interface OutputRow {
  stream: OutputStream;
  text: string;
  at: Date;
}

/** Where a writer's lines go: the database here (services/jobs/job-output-log.ts), the API from a keyless node (api-output-sink.ts). */
export type OutputSink = (rows: OutputRow[]) => Promise<void>;

/** A writer for one run of a job's command on a node, when its lines have somewhere to go. */
export function liveOutputOf(sink: OutputSink | null, jobId: string, secrets: readonly string[], hidden: HiddenLine = () => false): JobOutputWriter | null {
  return sink ? new JobOutputWriter(sink, jobId, secrets, hidden) : null;
}

/**
 * Takes a command's output chunks (`onOutput`), cuts them into lines and writes them in order,
 * in the background, a batch at a time. Streaming is a view of a running job: a failed write is
 * logged and never fails the command, whose output is kept in full when it ends.
 */
export class JobOutputWriter {
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private queued: OutputRow[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly sink: OutputSink,
    private readonly jobId: string,
    private readonly secrets: readonly string[],
    private readonly hidden: HiddenLine,
  ) {}

  readonly onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
    this.enqueue(stream, this.splitters[stream].push(chunk));
  };

  /** Writes the last lines (those without a final line break) and waits for every write. */
  async end(): Promise<void> {
    this.enqueue('stdout', this.splitters.stdout.end());
    this.enqueue('stderr', this.splitters.stderr.end());
    while (this.flushing) await this.flushing;
  }

  private enqueue(stream: 'stdout' | 'stderr', lines: string[]): void {
    if (!lines.length) return;
    const at = new Date();
    const kind = stream === 'stdout' ? OutputStream.STDOUT : OutputStream.STDERR;
    // PostgreSQL text cannot hold NUL; the kept final output is the record of what was printed.
    for (const line of lines) {
      if (this.hidden(stream, line)) continue;
      this.queued.push({ stream: kind, text: redact(line, this.secrets).replace(/\0/g, ''), at });
    }
    // flush() clears `flushing` at once when there is nothing to write, so it only starts with rows.
    if (this.queued.length) this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    while (this.queued.length) {
      const batch = this.queued.splice(0, BATCH_LINES);
      try {
        await this.sink(batch);
      } catch (error) {
        logger.warn({ err: error, jobId: this.jobId }, 'could not stream output lines of a running job; its final output is kept when it ends');
      }
    }
    this.flushing = null;
  }
}
