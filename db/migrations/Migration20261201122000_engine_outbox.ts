import { Migration } from '@mikro-orm/migrations';

/**
 * The engine outbox and idempotency keys; and at most one upcoming occurrence of a recurring
 * task per record, task and due time, so concurrent scheduling cannot fork a chain.
 */
export class Migration20261201122000EngineOutbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "engine_outbox" ("id" bigserial primary key, "kind" text check ("kind" in ('START_JOB', 'RUN_JOB_NOW', 'CANCEL_JOB', 'SESSIONS_CHANGED', 'START_ACCESS_REQUEST', 'ACCESS_APPROVED', 'ACCESS_DENIED', 'ACCESS_CHECKED_IN', 'START_CLIENT_RUN', 'CANCEL_CLIENT_RUN', 'ASSIGNMENT_SCHEDULE_CHANGED', 'STOP_ASSIGNMENT_SCHEDULE')) not null, "workflow_id" varchar(160) not null, "subject_id" uuid not null, "created_at" timestamptz not null default now(), "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "claimed_until" timestamptz null, "delivered_at" timestamptz null, "last_error" text null);`);
    this.addSql(`create index "engine_outbox_pending_index" on "engine_outbox" ("next_attempt_at", "id") where "delivered_at" is null;`);
    this.addSql(`create index "engine_outbox_pending_workflow_index" on "engine_outbox" ("workflow_id", "id") where "delivered_at" is null;`);
    // The reconciler leaves alone jobs whose start has not reached Temporal yet.
    this.addSql(`create index "engine_outbox_pending_subject_index" on "engine_outbox" ("subject_id") where "delivered_at" is null;`);
    this.addSql(`create index "engine_outbox_delivered_at_index" on "engine_outbox" ("delivered_at") where "delivered_at" is not null;`);

    this.addSql(`create table "idempotency_keys" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "mutation" varchar(64) not null, "key" varchar(128) not null, "input_hash" varchar(64) not null, "result" jsonb null, constraint "idempotency_keys_pkey" primary key ("id"));`);
    this.addSql(`alter table "idempotency_keys" add constraint "idempotency_keys_user_id_mutation_key_unique" unique ("user_id", "mutation", "key");`);
    this.addSql(`alter table "idempotency_keys" add constraint "idempotency_keys_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`create unique index "jobs_one_upcoming_occurrence" on "jobs" ("record_id", "task_id", "due_at") where "type" = 'SCHEDULED' and "state" = 'SCHEDULED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "jobs_one_upcoming_occurrence";`);
    this.addSql(`drop table "idempotency_keys";`);
    this.addSql(`drop table "engine_outbox";`);
  }
}
