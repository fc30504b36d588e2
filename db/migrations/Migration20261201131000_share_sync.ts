import { Migration } from '@mikro-orm/migrations';

/**
 * The origin's side of sharing: what each peer holds of each shared task (kept after the task is
 * deleted, so its tombstone can be sent), the server task log, and server task jobs in Job History.
 */
export class Migration20261201131000ShareSync extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "share_sync_states" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "peer_id" uuid not null, "client_task_id" uuid not null, "acked_revision" int null, "withdrawn" boolean not null default false, "refused_revision" int null, "refused_reason" text null, constraint "share_sync_states_pkey" primary key ("id"));`);
    this.addSql(`alter table "share_sync_states" add constraint "share_sync_states_peer_id_foreign" foreign key ("peer_id") references "registered_servers" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "share_sync_states" add constraint "share_sync_states_peer_id_client_task_id_unique" unique ("peer_id", "client_task_id");`);
    this.addSql(`create index "share_sync_states_client_task_id_index" on "share_sync_states" ("client_task_id");`);

    this.addSql(`create table "server_task_runs" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "task" text check ("task" in ('SHARE_CLIENT_TASKS')) not null, "workflow_id" varchar(255) not null, "job_id" uuid null, "state" text check ("state" in ('SCHEDULED', 'RUNNING', 'COMPLETED', 'ERROR', 'CANCELLED', 'INCOMPATIBLE')) not null default 'RUNNING', "finished_at" timestamptz null, constraint "server_task_runs_pkey" primary key ("id"));`);
    this.addSql(`alter table "server_task_runs" add constraint "server_task_runs_workflow_id_unique" unique ("workflow_id");`);
    this.addSql(`alter table "server_task_runs" add constraint "server_task_runs_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "server_task_runs_created_at_id_index" on "server_task_runs" ("created_at", "id");`);

    this.addSql(`create table "server_task_peer_results" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "run_id" uuid not null, "peer_id" uuid null, "peer_name" varchar(128) not null, "succeeded" boolean not null, "error" text null, "sent" int not null default 0, "created" int not null default 0, "updated" int not null default 0, "withdrawn" int not null default 0, "refused" jsonb not null default '[]', "bytes" int not null default 0, constraint "server_task_peer_results_pkey" primary key ("id"));`);
    this.addSql(`alter table "server_task_peer_results" add constraint "server_task_peer_results_run_id_foreign" foreign key ("run_id") references "server_task_runs" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "server_task_peer_results" add constraint "server_task_peer_results_peer_id_foreign" foreign key ("peer_id") references "registered_servers" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "server_task_peer_results" add constraint "server_task_peer_results_run_id_peer_id_unique" unique ("run_id", "peer_id");`);

    // A server task's job acts on neither a record nor a system.
    this.addSql(`alter table "jobs" drop constraint if exists "jobs_type_check";`);
    this.addSql(`alter table "jobs" add constraint "jobs_type_check" check ("type" in ('SCHEDULED', 'EVENT', 'ON_DEMAND', 'MANUAL_RUN', 'FALLBACK', 'SERVER_TASK'));`);
    this.addSql(`alter table "jobs" drop constraint "jobs_record_or_system";`);
    this.addSql(`alter table "jobs" add constraint "jobs_record_or_system" check (num_nonnulls(record_id, system_id) = case when "type" = 'SERVER_TASK' then 0 else 1 end);`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "jobs" where "type" = 'SERVER_TASK';`);
    this.addSql(`alter table "jobs" drop constraint "jobs_record_or_system";`);
    this.addSql(`alter table "jobs" add constraint "jobs_record_or_system" check (num_nonnulls(record_id, system_id) = 1);`);
    this.addSql(`alter table "jobs" drop constraint if exists "jobs_type_check";`);
    this.addSql(`alter table "jobs" add constraint "jobs_type_check" check ("type" in ('SCHEDULED', 'EVENT', 'ON_DEMAND', 'MANUAL_RUN', 'FALLBACK'));`);
    this.addSql(`drop table if exists "server_task_peer_results" cascade;`);
    this.addSql(`drop table if exists "server_task_runs" cascade;`);
    this.addSql(`drop table if exists "share_sync_states" cascade;`);
  }
}
