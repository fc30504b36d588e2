import { Migration } from '@mikro-orm/migrations';

/**
 * A key of this installation that names account locks (an HMAC of the account): lock workflow IDs
 * are visible in Temporal in the clear, and an unkeyed digest of user@host:port could be
 * reversed by trying likely accounts. Random at creation, kept in the database, and not tied to
 * the master key, so rotating that key does not rename the locks of running jobs.
 */
export class Migration20261202010000AccountLockKey extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "server_settings" add column "lock_key" varchar(64) not null default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "server_settings" drop column "lock_key";`);
  }
}
