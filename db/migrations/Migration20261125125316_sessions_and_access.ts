import { Migration } from '@mikro-orm/migrations';

/** Sessions, access requests, referenced records, and deferring a task until the last session ends. */
export class Migration20261125125316SessionsAndAccess extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "sessions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_id" uuid not null, "subject" varchar(128) null, "started_at" timestamptz not null, "ended_at" timestamptz null, constraint "sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "sessions_record_id_ended_at_index" on "sessions" ("record_id", "ended_at");`);
    this.addSql(`create table "access_requests" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_id" uuid not null, "requester_id" uuid not null, "reason" text null, "state" text check ("state" in ('PENDING', 'APPROVED', 'DENIED', 'CHECKED_OUT', 'CHECKED_IN', 'EXPIRED')) not null default 'PENDING', "decided_by_id" uuid null, "decided_at" timestamptz null, "duration_minutes" int null, "expires_at" timestamptz null, "checked_out_at" timestamptz null, "checked_in_at" timestamptz null, "workflow_id" varchar(128) not null, "version" int not null default 1, constraint "access_requests_pkey" primary key ("id"));`);
    this.addSql(`alter table "sessions" add constraint "sessions_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "access_requests" add constraint "access_requests_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "access_requests" add constraint "access_requests_requester_id_foreign" foreign key ("requester_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "access_requests" add constraint "access_requests_decided_by_id_foreign" foreign key ("decided_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "records" add column "referenced_record_id" uuid null;`);
    this.addSql(`alter table "records" add constraint "records_referenced_record_id_foreign" foreign key ("referenced_record_id") references "records" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "tasks" add column "defer_until_sessions_end" boolean not null default false;`);
    this.addSql(`alter table "jobs" add constraint "jobs_trigger_event_check" check("trigger_event" in ('ON_DEMAND', 'AFTER_RECORD_CHANGE', 'AFTER_APPROVAL', 'AFTER_EXPIRE', 'AFTER_CHECK_IN', 'AFTER_SESSION', 'AFTER_UNLOCK', 'EVERY_DAY_OF_MONTH', 'EVERY_WEEKDAY', 'EVERY_N_DAYS', 'EVERY_X_TO_Y_DAYS'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "access_requests" cascade;`);
    this.addSql(`alter table "jobs" drop constraint if exists "jobs_trigger_event_check";`);
    this.addSql(`alter table "records" drop constraint "records_referenced_record_id_foreign";`);
    this.addSql(`alter table "records" drop column "referenced_record_id";`);
    this.addSql(`alter table "tasks" drop column "defer_until_sessions_end";`);
  }
}
