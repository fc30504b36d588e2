import { Migration } from '@mikro-orm/migrations';

/**
 * Client task jobs share the jobs table with vault jobs: a job has a record or a system. Runs
 * (Run Now, and each firing of a scheduled assignment) group a job per targeted system.
 */
export class Migration20261125152000ClientJobsAndRuns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "client_runs" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "client_task_id" uuid null, "task_name" varchar(128) not null, "assignment_id" uuid null, "trigger" text check ("trigger" in ('RUN_NOW', 'SCHEDULE')) not null, "fired_at" timestamptz not null, "time_zone" varchar(64) null, "workflow_id" varchar(128) not null, "requested_by_id" uuid null, "cancelled_at" timestamptz null, constraint "client_runs_pkey" primary key ("id"));`);
    this.addSql(`create index "client_runs_client_task_id_index" on "client_runs" ("client_task_id");`);
    this.addSql(`create index "client_runs_created_at_id_index" on "client_runs" ("created_at", "id");`);
    this.addSql(`alter table "client_runs" add constraint "client_runs_workflow_id_unique" unique ("workflow_id");`);
    // A retried firing finds its run instead of making a second one; UTC firings have no time zone.
    this.addSql(`create unique index "client_runs_one_per_firing" on "client_runs" ("assignment_id", "fired_at", "time_zone") nulls not distinct;`);
    this.addSql(`alter table "client_runs" add constraint "client_runs_client_task_id_foreign" foreign key ("client_task_id") references "client_tasks" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "client_runs" add constraint "client_runs_assignment_id_foreign" foreign key ("assignment_id") references "client_task_assignments" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "client_runs" add constraint "client_runs_requested_by_id_foreign" foreign key ("requested_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "jobs" alter column "record_id" drop not null;`);
    this.addSql(`alter table "jobs" add column "system_id" uuid null, add column "client_task_id" uuid null, add column "client_task_revision" int null, add column "run_id" uuid null, add column "launched_at" timestamptz null, add column "report" jsonb null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_record_or_system" check (num_nonnulls(record_id, system_id) = 1);`);
    this.addSql(`alter table "jobs" drop constraint if exists "jobs_state_check";`);
    this.addSql(`alter table "jobs" add constraint "jobs_state_check" check ("state" in ('SCHEDULED', 'RUNNING', 'COMPLETED', 'ERROR', 'CANCELLED', 'INCOMPATIBLE'));`);
    this.addSql(`create index "jobs_system_id_index" on "jobs" ("system_id");`);
    this.addSql(`create index "jobs_client_task_id_index" on "jobs" ("client_task_id");`);
    this.addSql(`create index "jobs_run_id_index" on "jobs" ("run_id");`);
    // The run workflow claims its due, not yet started jobs in start order.
    this.addSql(`create index "jobs_run_waiting_index" on "jobs" ("run_id", "scheduled_for") where "launched_at" is null and "state" = 'SCHEDULED';`);
    this.addSql(`alter table "jobs" add constraint "jobs_system_id_foreign" foreign key ("system_id") references "managed_systems" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "jobs" add constraint "jobs_client_task_id_foreign" foreign key ("client_task_id") references "client_tasks" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_run_id_foreign" foreign key ("run_id") references "client_runs" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "jobs" where "system_id" is not null;`);
    this.addSql(`alter table "jobs" drop constraint "jobs_record_or_system";`);
    this.addSql(`alter table "jobs" drop column "system_id", drop column "client_task_id", drop column "client_task_revision", drop column "run_id", drop column "launched_at", drop column "report";`);
    this.addSql(`alter table "jobs" alter column "record_id" set not null;`);
    this.addSql(`alter table "jobs" drop constraint if exists "jobs_state_check";`);
    this.addSql(`alter table "jobs" add constraint "jobs_state_check" check ("state" in ('SCHEDULED', 'RUNNING', 'COMPLETED', 'ERROR', 'CANCELLED'));`);
    this.addSql(`drop table if exists "client_runs" cascade;`);
  }
}
