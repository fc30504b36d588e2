import { Migration } from '@mikro-orm/migrations';

/**
 * Job History pages newest first by (created_at, id) after a filter on record, system, run or
 * state: each filter gets an index that ends in the sort key, so a page is an index range scan
 * at any depth instead of a sort of every matching job. Each replaces the single-column index it
 * starts with.
 */
export class Migration20261201140000JobHistoryKeyset extends Migration {
  override async up(): Promise<void> {
    for (const column of ['record_id', 'system_id', 'run_id', 'state']) {
      this.addSql(`create index "jobs_${column}_created_at_id_index" on "jobs" ("${column}", "created_at", "id");`);
      this.addSql(`drop index "jobs_${column}_index";`);
    }
  }

  override async down(): Promise<void> {
    for (const column of ['record_id', 'system_id', 'run_id', 'state']) {
      this.addSql(`create index "jobs_${column}_index" on "jobs" ("${column}");`);
      this.addSql(`drop index "jobs_${column}_created_at_id_index";`);
    }
  }
}
