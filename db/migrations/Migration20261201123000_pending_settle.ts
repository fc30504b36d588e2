import { Migration } from '@mikro-orm/migrations';

/**
 * Settling pending passwords a rotation left behind: the node that reaches the record's host,
 * whether the host took the pending password, and the sweeper's tries with their backoff.
 */
export class Migration20261201123000PendingSettle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "records" add column "pending_node_name" varchar(64) null, add column "pending_accepted_at" timestamptz null, add column "pending_settle_attempts" int not null default 0, add column "pending_settle_due_at" timestamptz null;`);
    // A rotation left pending before now is settled by the node of the record's latest job.
    this.addSql(`update "records" set "pending_node_name" = coalesce((select "node_name" from "jobs" where "jobs"."record_id" = "records"."id" order by "jobs"."created_at" desc limit 1), 'local') where "encrypted_pending_password" is not null;`);
    this.addSql(`create index "records_pending_settle_index" on "records" ("pending_node_name", "pending_settle_due_at") where "encrypted_pending_password" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "records_pending_settle_index";`);
    this.addSql(`alter table "records" drop column "pending_node_name", drop column "pending_accepted_at", drop column "pending_settle_attempts", drop column "pending_settle_due_at";`);
  }
}
