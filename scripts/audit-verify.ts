/**
 * Verifies the audit log's hash chain and names the first broken entry. It needs only DATABASE_URL:
 *   npm run audit:verify
 * Exits 0 when the chain holds, 1 when it is broken (an entry edited or deleted), 2 on any other error.
 */
import 'reflect-metadata';
import { openDatabase } from '../db/database';
import { DEFAULT_DATABASE_URL } from '../infra/config';
import { AuditLog } from '../services/shared/audit-log';

async function main(): Promise<number> {
  const orm = await openDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  try {
    const { ok, brokenAt, checked } = await new AuditLog(orm.em.fork()).verifyChain();
    if (ok) {
      console.log(`audit chain ok: ${checked} entries checked`);
      return 0;
    }
    console.log(`audit chain BROKEN at entry ${brokenAt?.id ?? '(deleted, after the last entry)'} (sequence ${brokenAt?.sequence ?? 'none'}); ${checked} entries checked`);
    return 1;
  } finally {
    await orm.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
