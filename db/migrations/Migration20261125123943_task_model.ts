import { Migration } from '@mikro-orm/migrations';

/** Tasks owned by one record (Make Unique), recurring-event parameters, time windows, and per-record grants. */
export class Migration20261125123943TaskModel extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "record_grants" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_id" uuid not null, "user_id" uuid not null, "permissions" text[] not null, constraint "record_grants_pkey" primary key ("id"));`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_record_id_user_id_unique" unique ("record_id", "user_id");`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "records" add column "tasks_unique" boolean not null default false;`);

    this.addSql(`alter table "tasks" add column "record_id" uuid null, add column "schedule" jsonb null, add column "minutes_after_unlock" int null, add column "time_window_cron" varchar(128) null, add column "time_window_time_zone" varchar(64) null;`);
    this.addSql(`alter table "tasks" alter column "record_type_id" drop not null;`);
    this.addSql(`alter table "tasks" add constraint "tasks_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);
    // A task belongs to a record type or to one record, never both.
    this.addSql(`alter table "tasks" add constraint "tasks_one_owner" check (("record_type_id" is null) <> ("record_id" is null));`);
    this.addSql(`create index "tasks_record_id_index" on "tasks" ("record_id");`);
    this.addSql(`create index "tasks_record_type_id_index" on "tasks" ("record_type_id");`);

    this.addSql(`alter table "jobs" add column "due_at" timestamptz null, add column "trigger_event" text null;`);
    this.addSql(`create index "jobs_open_by_task_index" on "jobs" ("record_id", "task_id") where "state" = 'SCHEDULED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "record_grants" cascade;`);
    this.addSql(`alter table "jobs" drop column "due_at", drop column "trigger_event";`);
    this.addSql(`delete from "tasks" where "record_id" is not null;`);
    this.addSql(`alter table "tasks" drop constraint "tasks_one_owner";`);
    this.addSql(`alter table "tasks" drop constraint "tasks_record_id_foreign";`);
    this.addSql(`alter table "tasks" drop column "record_id", drop column "schedule", drop column "minutes_after_unlock", drop column "time_window_cron", drop column "time_window_time_zone";`);
    this.addSql(`alter table "tasks" alter column "record_type_id" set not null;`);
    this.addSql(`alter table "records" drop column "tasks_unique";`);
  }
}
