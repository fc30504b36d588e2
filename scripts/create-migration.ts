/**
 * Writes a migration for the difference between the entities and the migrated schema of the
 * database in DATABASE_URL (a scratch database is fine). Usage: npm run migration:create
 */
import 'reflect-metadata';
import { DEFAULT_DATABASE_URL } from '../infra/config';
import { ensureDatabase, migrateDatabase, openDatabase } from '../db/database';

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL.replace(/\/steward$/, '/steward_migrations');
  await ensureDatabase(databaseUrl);
  const orm = await openDatabase(databaseUrl);
  try {
    await migrateDatabase(orm);
    const result = await orm.getMigrator().createMigration(undefined, false, process.argv.includes('--initial'));
    console.log(result.fileName ? `wrote db/migrations/${result.fileName}; add it to db/migrations/index.ts` : 'no schema changes');
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
