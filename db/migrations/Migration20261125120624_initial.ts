import { Migration } from '@mikro-orm/migrations';

/** The first schema: users and tokens, record types, tasks, records, jobs and the audit log. */
export class Migration20261125120624Initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_events" ("id" uuid not null, "created_at" timestamptz not null default now(), "actor_id" uuid null, "actor_name" varchar(64) not null, "action" varchar(64) not null, "target_type" varchar(32) null, "target_id" varchar(64) null, "outcome" text check ("outcome" in ('SUCCESS', 'FAILURE')) not null, "details" jsonb null, constraint "audit_events_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_events_action_index" on "audit_events" ("action");`);
    this.addSql(`create index "audit_events_created_at_id_index" on "audit_events" ("created_at", "id");`);

    this.addSql(`create table "record_types" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "description" text null, "version" int not null default 1, constraint "record_types_pkey" primary key ("id"));`);
    this.addSql(`alter table "record_types" add constraint "record_types_name_unique" unique ("name");`);

    this.addSql(`create table "tasks" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_type_id" uuid not null, "name" varchar(128) not null, "script" text check ("script" in ('PASSWORD_RESET_REMOTE_UNIX', 'VERIFY_PASSWORD')) not null, "policy_events" text[] not null, "execution_node" varchar(64) not null default 'local', "version" int not null default 1, constraint "tasks_pkey" primary key ("id"));`);

    this.addSql(`create table "users" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "username" varchar(64) not null, "password_hash" varchar(255) not null, "roles" text[] not null default '{}', constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);

    this.addSql(`create table "api_tokens" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "name" varchar(128) not null, "kind" text check ("kind" in ('SESSION', 'API')) not null, "token_hash" varchar(64) not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_tokens_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "records" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_type_id" uuid not null, "name" varchar(128) not null, "host" varchar(253) not null, "port" int not null default 22, "username" varchar(64) not null, "encrypted_password" text not null, "encrypted_pending_password" text null, "pending_password_since" timestamptz null, "password_changed_at" timestamptz null, "host_key_fingerprint" varchar(128) not null, "time_zone" varchar(64) not null default 'UTC', "version" int not null default 1, constraint "records_pkey" primary key ("id"));`);
    this.addSql(`alter table "records" add constraint "records_name_unique" unique ("name");`);

    this.addSql(`create table "password_history" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_id" uuid not null, "encrypted_password" text not null, "retired_at" timestamptz not null, "job_id" uuid null, constraint "password_history_pkey" primary key ("id"));`);

    this.addSql(`create table "jobs" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_id" uuid not null, "task_id" uuid null, "task_name" varchar(128) not null, "type" text check ("type" in ('SCHEDULED', 'EVENT', 'ON_DEMAND', 'MANUAL_RUN', 'FALLBACK')) not null, "state" text check ("state" in ('SCHEDULED', 'RUNNING', 'COMPLETED', 'ERROR', 'CANCELLED')) not null default 'SCHEDULED', "node_name" varchar(64) not null, "workflow_id" varchar(128) not null, "scheduled_for" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, "result" text null, "exit_code" int null, "output" text null, "requested_by_id" uuid null, constraint "jobs_pkey" primary key ("id"));`);
    this.addSql(`create index "jobs_record_id_index" on "jobs" ("record_id");`);
    this.addSql(`create index "jobs_state_index" on "jobs" ("state");`);
    this.addSql(`alter table "jobs" add constraint "jobs_workflow_id_unique" unique ("workflow_id");`);
    this.addSql(`create index "jobs_created_at_id_index" on "jobs" ("created_at", "id");`);

    this.addSql(`create table "job_events" ("id" bigserial primary key, "job_id" uuid not null, "kind" text check ("kind" in ('SCHEDULED', 'QUEUED', 'STARTED', 'STEP', 'RETRIED', 'COMPLETED', 'FAILED', 'CANCELLED')) not null, "at" timestamptz not null, "message" text not null);`);

    this.addSql(`alter table "tasks" add constraint "tasks_record_type_id_foreign" foreign key ("record_type_id") references "record_types" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_tokens" add constraint "api_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "records" add constraint "records_record_type_id_foreign" foreign key ("record_type_id") references "record_types" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "password_history" add constraint "password_history_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "jobs" add constraint "jobs_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "jobs" add constraint "jobs_task_id_foreign" foreign key ("task_id") references "tasks" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_requested_by_id_foreign" foreign key ("requested_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "job_events" add constraint "job_events_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update cascade on delete cascade;`);

    // The audit log is append-only, whatever code runs against the database.
    this.addSql(`create function "audit_events_append_only"() returns trigger language plpgsql as $$ begin raise exception 'the audit log is append-only'; end $$;`);
    this.addSql(`create trigger "audit_events_no_update_or_delete" before update or delete or truncate on "audit_events" for each statement execute function "audit_events_append_only"();`);
  }

}
