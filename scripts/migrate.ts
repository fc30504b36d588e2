/** Migrates the database (creating it when missing) and creates the first administrator. */
import 'reflect-metadata';
import { ensureDatabase, migrateDatabase, openDatabase } from '../db/database';
import { DEFAULT_DATABASE_URL } from '../infra/config';
import { ensureFirstAdmin } from '../services/identity/first-admin';

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  await ensureDatabase(databaseUrl);
  const orm = await openDatabase(databaseUrl);
  try {
    const applied = await migrateDatabase(orm);
    console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'the database schema is up to date');
    const admin = await ensureFirstAdmin(orm.em.fork(), process.env.STEWARD_ADMIN_USERNAME ?? 'admin', process.env.STEWARD_ADMIN_PASSWORD);
    if (admin?.generatedPassword) {
      console.log(`created the first administrator "${admin.username}" with password: ${admin.generatedPassword}`);
      console.log('(shown once; set STEWARD_ADMIN_PASSWORD to choose it yourself)');
    } else if (admin) {
      console.log(`created the first administrator "${admin.username}" with the password from STEWARD_ADMIN_PASSWORD`);
    }
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
