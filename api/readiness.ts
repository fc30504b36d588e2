import type { ServerResponse } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { logger } from '../infra/logger';

/** How long a dependency may take to answer before it counts as failing. */
const CHECK_TIMEOUT_MS = 3_000;

/** Resolves when a dependency answers, and throws when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

/** PostgreSQL answers a trivial query. */
export function databaseCheck(orm: MikroORM): ReadinessCheck {
  return () => orm.em.getConnection().execute('select 1');
}

/**
 * Runs every check at once, each within the bound, and answers 200 when all pass or 503, naming
 * each check and whether it fails. Why one fails is logged, never sent: anyone may ask.
 */
export async function serveReadiness(res: ServerResponse, checks: Record<string, ReadinessCheck>): Promise<void> {
  const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await passes(name, check)] as const));
  const ready = results.every(([, ok]) => ok);
  const body = { ready, checks: Object.fromEntries(results.map(([name, ok]) => [name, ok ? 'ok' : 'failing'])) };
  res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function passes(name: string, check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return true;
  } catch (error) {
    logger.warn(`readiness: ${name} is failing: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}
