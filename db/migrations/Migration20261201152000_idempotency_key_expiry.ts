import { Migration } from '@mikro-orm/migrations';

/** Idempotency keys expire: the reconciliation sweep deletes them by age. */
export class Migration20261201152000IdempotencyKeyExpiry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "idempotency_keys_created_at_index" on "idempotency_keys" ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "idempotency_keys_created_at_index";`);
  }
}
