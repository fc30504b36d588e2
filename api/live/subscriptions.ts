import { type ClientRun, FINAL_JOB_STATES, type Job, type JobOutputLine, type User } from '../../db/entities';
import { logger } from '../../infra/logger';
import type { Services } from '../../services';
import type { JobFilter } from '../../services/jobs/job-service';
import { ForbiddenError, NotFoundError } from '../../services/shared/errors';
import type { ClientRunCounts } from '../types/client-run-types';
import type { ClientRunUpdate, JobUpdate } from '../types/live-types';
import { EventStream } from './event-stream';
import type { JobChange, LiveEvents } from './live-events';

/** A WebSocket connection's side of the subscriptions: the process's events, and the caller as of now. */
export interface LiveSession {
  events: LiveEvents;
  /**
   * Services over a fresh EntityManager and the caller the connection's token names now: null
   * once the token is revoked or expired, or the user disabled, which ends the subscription.
   */
  fresh(): Promise<{ user: User | null; services: Services }>;
}

/**
 * Runs a subscription's event handlers one after another, so events leave in the order they
 * came. A handler that fails (say, the database is away) ends the subscription; the client
 * subscribes again.
 */
function serialized(stream: { end(): void }): (work: () => Promise<void>) => void {
  let tail = Promise.resolve();
  return (work) => {
    tail = tail.then(work).catch((error: unknown) => {
      logger.warn({ err: error }, 'a subscription ended: an event could not be read');
      stream.end();
    });
  };
}

/** What the caller may view, or null: an object the caller may not view yields nothing, as if it did not exist. */
async function ifVisible<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof ForbiddenError) return null;
    throw error;
  }
}

/** The conditions of Job History's filter, checked against the notification before the database is asked. */
function matches(filter: JobFilter, change: JobChange): boolean {
  const equal = (wanted: string | null | undefined, actual: string | null) => !wanted || wanted === actual;
  const createdAt = new Date(change.createdAt);
  return (
    equal(filter.recordId, change.recordId) &&
    equal(filter.taskId, change.taskId) &&
    equal(filter.systemId, change.systemId) &&
    equal(filter.clientTaskId, change.clientTaskId) &&
    equal(filter.runId, change.runId) &&
    equal(filter.nodeName, change.nodeName) &&
    (!filter.states?.length || filter.states.includes(change.state)) &&
    (!filter.types?.length || filter.types.includes(change.type)) &&
    (!filter.createdAfter || createdAt >= filter.createdAfter) &&
    (!filter.createdBefore || createdAt < filter.createdBefore)
  );
}

/** jobUpdated: every creation and state change of the jobs matching the filter that the caller may view. */
export function jobUpdates(session: LiveSession, filter: JobFilter): EventStream<JobUpdate> {
  const stream: EventStream<JobUpdate> = new EventStream(() => stop());
  const handle = serialized(stream);
  const stop = session.events.onJobChange((change) => {
    if (!matches(filter, change)) return;
    handle(async () => {
      const { user, services } = await session.fresh();
      if (!user) return stream.end();
      const job: Job | null = await ifVisible(() => services.jobs.viewJob(user, change.id));
      if (job) stream.push({ state: change.state, changedAt: new Date(change.changedAt), job });
    });
  });
  return stream;
}

/**
 * Calls `refresh` (serialized) when asked, folding requests that arrive while one waits its turn,
 * so a burst of changes costs one read.
 */
function coalesced(handle: (work: () => Promise<void>) => void, refresh: () => Promise<void>): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    handle(async () => {
      queued = false;
      await refresh();
    });
  };
}

/** clientRunUpdated: the run's counts now, then after each change; it completes once every job of the run has ended. */
export function clientRunUpdates(session: LiveSession, runId: string): EventStream<ClientRunUpdate> {
  const stream: EventStream<ClientRunUpdate> = new EventStream(() => stops.forEach((stop) => stop()));
  let last = '';
  const refresh = coalesced(serialized(stream), async () => {
    const { user, services } = await session.fresh();
    if (!user) return stream.end();
    const run: ClientRun | null = await ifVisible(() => services.clientRuns.viewRun(user, runId));
    if (!run) return stream.end();
    const counts: ClientRunCounts = await services.clientRuns.counts(run.id);
    const seen = JSON.stringify(counts);
    if (seen !== last) stream.push({ run, counts });
    last = seen;
    if (counts.targeted > 0 && counts.pending + counts.running === 0) stream.end();
  });
  const stops = [session.events.onJobChange((change) => change.runId === runId && refresh()), session.events.onResync(refresh)];
  refresh();
  return stream;
}

/** jobOutput: the job's lines so far, then each as it arrives; it completes once the job has ended and its last lines are out. */
export function jobOutputLines(session: LiveSession, jobId: string): EventStream<JobOutputLine> {
  const stream: EventStream<JobOutputLine> = new EventStream(() => stops.forEach((stop) => stop()));
  let lastId: string | null = null;
  const refresh = coalesced(serialized(stream), async () => {
    const { user, services } = await session.fresh();
    if (!user) return stream.end();
    const job: Job | null = await ifVisible(() => services.jobs.viewJob(user, jobId));
    if (!job) return stream.end();
    // The state is read first: once a job has ended, every line it printed is already stored.
    const ended = FINAL_JOB_STATES.includes(job.state);
    for (;;) {
      const lines = await services.jobOutput.linesAfter(jobId, lastId);
      for (const line of lines) stream.push(line);
      if (!lines.length) break;
      lastId = lines[lines.length - 1]!.id;
    }
    if (ended) stream.end();
  });
  const stops = [
    session.events.onJobOutput(jobId, refresh),
    session.events.onJobChange((change) => change.id === jobId && FINAL_JOB_STATES.includes(change.state) && refresh()),
    session.events.onResync(refresh),
  ];
  refresh();
  return stream;
}
