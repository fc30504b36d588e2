import type { EntityManager } from '@mikro-orm/postgresql';
import { JobOutputLine } from '../../db/entities';
import { BATCH_LINES, type HiddenLine, JobOutputWriter, type OutputRow } from './output-writer';


/**
 * The output lines of jobs as their commands print them (JobOutputLine): written while a command
 * runs, read by `jobOutput` subscribers. The job's final output is kept apart, in `Job.output`.
 */
export class JobOutputLog {
  constructor(private readonly em: EntityManager) {}

  /** A job's lines after the one with id `afterId` (all of them for null), oldest first, up to a batch. */
  linesAfter(jobId: string, afterId: string | null): Promise<JobOutputLine[]> {
    return this.em.find(JobOutputLine, { job: jobId, ...(afterId ? { id: { $gt: afterId } } : {}) }, { orderBy: { id: 'asc' }, limit: BATCH_LINES });
  }

  /** A writer for one run of a command of the job; its lines are redacted of `secrets`, and those `hidden` says are left out. */
  writer(jobId: string, secrets: readonly string[], hidden: HiddenLine = () => false): JobOutputWriter {
    return new JobOutputWriter((rows) => this.append(jobId, rows), jobId, secrets, hidden);
  }

  /** Adds lines to a running job's output, as they were printed; a remote node's come through the API (services/nodes/node-access.ts). */
  async append(jobId: string, rows: readonly OutputRow[]): Promise<void> {
    await this.em.insertMany(JobOutputLine, rows.map((row) => ({ ...row, job: jobId })));
  }
}

