import { Migration } from '@mikro-orm/migrations';

/**
 * The due-time dispatcher: a job's start command waits in the outbox until shortly before the job
 * is due, instead of starting a workflow that sleeps until then. `due_at` is when a command may
 * first be delivered; the outbox's lag counts from it, and backoffs never move it.
 */
export class Migration20261202011000OutboxDueAt extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "engine_outbox" add column "due_at" timestamptz not null default now();`);
    this.addSql(`update "engine_outbox" set "due_at" = "created_at";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "engine_outbox" drop column "due_at";`);
  }
}
