import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { logger } from '../infra/logger';

/** Channels the triggers of db/migrations/Migration20261201180500_live_updates.ts notify on. */
export const JOB_STATE_CHANNEL = 'steward_job_state';
export const JOB_OUTPUT_CHANNEL = 'steward_job_output';

const RECONNECT_MS = 1000;

export interface ChangeListener {
  close(): Promise<void>;
}

/**
 * One LISTEN connection for the process: every notification on `channels` goes to `onNotify`.
 * A lost connection is opened again after a second, and `onReconnect` is told, since
 * notifications sent meanwhile are gone.
 */
export async function listenForChanges(
  databaseUrl: string,
  channels: readonly string[],
  onNotify: (channel: string, payload: string) => void,
  onReconnect: () => void,
): Promise<ChangeListener> {
  let closed = false;
  let client: Client | null = null;

  const open = async (): Promise<void> => {
    const next = new Client({ connectionString: databaseUrl });
    next.on('notification', (message) => onNotify(message.channel, message.payload ?? ''));
    next.on('error', (error) => {
      void next.end().catch(() => undefined);
      // Errors while opening are the opener's to handle.
      if (client !== next) return;
      logger.warn({ err: error }, 'the connection listening for job changes was lost; opening it again');
      client = null;
      void reopen();
    });
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN "${channel}"`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    client = next;
  };

  let reopening = false;
  const reopen = async (): Promise<void> => {
    if (reopening) return;
    reopening = true;
    while (!closed && !client) {
      await delay(RECONNECT_MS);
      if (closed) break;
      try {
        await open();
        onReconnect();
      } catch (error) {
        logger.warn({ err: error }, 'could not listen for job changes yet; trying again');
      }
    }
    reopening = false;
  };

  await open();
  return {
    async close() {
      closed = true;
      await client?.end();
      client = null;
    },
  };
}
