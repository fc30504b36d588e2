import { Migration } from '@mikro-orm/migrations';

/**
 * A recurring occurrence belongs to the chain of the record and task whose schedule it is, which
 * Target Record may send to another record: the chain is kept apart from the job's record and task.
 */
export class Migration20261201163000OccurrenceChain extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "jobs" add column "chain_record_id" uuid null, add column "chain_task_id" uuid null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_chain_record_id_foreign" foreign key ("chain_record_id") references "records" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_chain_task_id_foreign" foreign key ("chain_task_id") references "tasks" ("id") on update cascade on delete set null;`);
    this.addSql(
      `update "jobs" set "chain_record_id" = "record_id", "chain_task_id" = "task_id"
       where "type" in ('SCHEDULED', 'MANUAL_RUN') and "due_at" is not null
         and "trigger_event" in ('EVERY_DAY_OF_MONTH', 'EVERY_WEEKDAY', 'EVERY_N_DAYS', 'EVERY_X_TO_Y_DAYS');`,
    );
    this.addSql(`create index "jobs_chain_record_id_chain_task_id_due_at_index" on "jobs" ("chain_record_id", "chain_task_id", "due_at");`);
    this.addSql(`drop index "jobs_one_upcoming_occurrence";`);
    this.addSql(`create unique index "jobs_one_upcoming_occurrence" on "jobs" ("chain_record_id", "chain_task_id", "due_at") where "type" = 'SCHEDULED' and "state" = 'SCHEDULED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "jobs_one_upcoming_occurrence";`);
    this.addSql(`create unique index "jobs_one_upcoming_occurrence" on "jobs" ("record_id", "task_id", "due_at") where "type" = 'SCHEDULED' and "state" = 'SCHEDULED';`);
    this.addSql(`alter table "jobs" drop column "chain_record_id", drop column "chain_task_id";`);
  }
}
