import type { MikroORM } from '@mikro-orm/postgresql';
import { createServices, type ServicePorts } from '../services';
import { deliveriesSettled } from '../services/jobs/engine-outbox';
import { logger } from '../infra/logger';

export interface OutboxRelay {
  stop(): Promise<void>;
}

const BATCH = 100;

/**
 * Delivers the engine outbox (services/jobs/engine-outbox.ts) from this process: every interval,
 * and at once again while batches come back full. Every API process and every local worker runs
 * one, so commands reach Temporal as soon as it answers, whichever process is up. Several relays
 * share the work: each row is locked while it is delivered.
 */
export function startOutboxRelay(orm: MikroORM, ports: ServicePorts, intervalMs = 1_000): OutboxRelay {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const pass = async (): Promise<void> => {
    try {
      while (!stopped && (await createServices(orm.em.fork(), ports).outbox.deliverDue(BATCH)) === BATCH);
    } catch (error) {
      // The database may be restarting; the next pass tries again.
      logger.error(`engine outbox: ${(error as Error).message}`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      // Deliveries a mutation began after its commit finish (or hit their deadline) before the connection closes.
      await deliveriesSettled();
    },
  };
}
