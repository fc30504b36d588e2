import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs `work` on `em` and flushes it, all in one transaction: the one `em` is already in, or one of
 * its own. Unlike `em.transactional`, which works on a fork, what the caller staged on `em` before
 * is part of it, and `work` may take row locks that hold until the flush commits.
 */
export async function inOneTransaction(em: EntityManager, work: () => Promise<void>): Promise<void> {
  if (em.isInTransaction()) {
    await work();
    await em.flush();
    return;
  }
  await em.begin();
  try {
    await work();
    await em.commit();
  } catch (error) {
    await em.rollback();
    throw error;
  }
}
