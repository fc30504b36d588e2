import type { EntityManager } from '@mikro-orm/postgresql';
import { FINAL_JOB_STATES, JobState } from '../../db/entities';
import type { DatabaseGauges } from '../../infra/metrics';

const OPEN_STATES = Object.values(JobState).filter((state) => !FINAL_JOB_STATES.includes(state));

/**
 * What the metrics read from the database at each scrape, in two cheap queries: open jobs only
 * (an index range on state; finished jobs are counted as they finish), and the oldest undelivered
 * outbox command (the outbox's partial index holds only undelivered rows).
 */
export async function readDatabaseGauges(em: EntityManager): Promise<DatabaseGauges> {
  const connection = em.getConnection();
  const [openJobs, [lag]] = await Promise.all([
    connection.execute<{ state: string; type: string; count: string }[]>(
      `select "state", "type", count(*) as "count" from "jobs" where "state" in (${OPEN_STATES.map(() => '?').join(', ')}) group by "state", "type"`,
      OPEN_STATES,
    ),
    connection.execute<{ seconds: number | null }[]>(
      `select extract(epoch from now() - min("due_at"))::float8 as "seconds" from "engine_outbox" where "delivered_at" is null and "due_at" <= now()`,
    ),
  ]);
  return {
    openJobs: openJobs.map((row) => ({ state: row.state, type: row.type, count: Number(row.count) })),
    outboxLagSeconds: Math.max(0, lag?.seconds ?? 0),
  };
}
