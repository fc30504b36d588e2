import { EventEmitter } from 'node:events';
import { JOB_OUTPUT_CHANNEL, JOB_STATE_CHANNEL, type ChangeListener, listenForChanges } from '../../db/change-notifications';
import type { PubSub } from 'type-graphql';
import { logger } from '../../infra/logger';
import type { JobState, JobType } from '../../lib/enums';
import { EventStream } from './event-stream';

/** What the jobs trigger sends when a job is created or changes state (db/migrations/Migration20261201180500_live_updates.ts). */
export interface JobChange {
  id: string;
  state: JobState;
  type: JobType;
  recordId: string | null;
  taskId: string | null;
  systemId: string | null;
  clientTaskId: string | null;
  runId: string | null;
  nodeName: string;
  createdAt: string;
  /** When the change was written, by the database's clock. */
  changedAt: string;
}

type Unsubscribe = () => void;

/** Topics: a job was created or changed state (with its JobChange); a job has new output lines; notifications may have been missed. */
const JOB_CHANGED = 'JOB_CHANGED';
const outputOf = (jobId: string) => `JOB_OUTPUT:${jobId}`;
const RESYNC = 'RESYNC';

/**
 * The API process's in-process pub/sub (the `pubSub` of type-graphql's buildSchema): job changes
 * and output lines, fed by the process's one LISTEN connection (`listen`). Subscriptions add
 * listeners here and take them away when they end.
 */
export class LiveEvents implements PubSub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private listener: ChangeListener | null = null;

  /** Starts feeding the database's notifications in. */
  async listen(databaseUrl: string): Promise<void> {
    this.listener = await listenForChanges(
      databaseUrl,
      [JOB_STATE_CHANNEL, JOB_OUTPUT_CHANNEL],
      (channel, payload) => this.dispatch(channel, payload),
      () => this.publish(RESYNC),
    );
  }

  publish(topic: string, ...payload: unknown[]): void {
    this.emitter.emit(topic, ...payload);
  }

  subscribe(topic: string): EventStream<unknown> {
    const stream: EventStream<unknown> = new EventStream(() => stop());
    const stop = this.on(topic, (payload: unknown) => stream.push(payload));
    return stream;
  }

  onJobChange(listener: (change: JobChange) => void): Unsubscribe {
    return this.on(JOB_CHANGED, listener);
  }

  /** New output lines of the job are in the database. */
  onJobOutput(jobId: string, listener: () => void): Unsubscribe {
    return this.on(outputOf(jobId), listener);
  }

  /** The LISTEN connection was lost and is back: notifications may have been missed. */
  onResync(listener: () => void): Unsubscribe {
    return this.on(RESYNC, listener);
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.emitter.removeAllListeners();
  }

  private on<T extends unknown[]>(event: string, listener: (...args: T) => void): Unsubscribe {
    const safe = (...args: T) => {
      try {
        listener(...args);
      } catch (error) {
        logger.error({ err: error }, 'a subscription failed to take a live event');
      }
    };
    this.emitter.on(event, safe);
    return () => this.emitter.off(event, safe);
  }

  private dispatch(channel: string, payload: string): void {
    if (channel === JOB_OUTPUT_CHANNEL) this.publish(outputOf(payload));
    else if (channel === JOB_STATE_CHANNEL) this.publish(JOB_CHANGED, JSON.parse(payload) as JobChange);
  }
}
