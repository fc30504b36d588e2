import { Migration } from '@mikro-orm/migrations';

const KIND_CHECK = 'engine_outbox_kind_check';

/**
 * Adds a kind to the engine outbox's check by rewriting the constraint as it stands, rather than
 * restating the whole list, so kinds other migrations add around this one are kept.
 */
function rewriteKindCheck(from: string, to: string): string {
  return `do $$
declare definition text;
begin
  select pg_get_constraintdef("oid") into definition from pg_constraint where "conrelid" = 'engine_outbox'::regclass and "conname" = '${KIND_CHECK}';
  execute 'alter table "engine_outbox" drop constraint "${KIND_CHECK}"';
  execute 'alter table "engine_outbox" add constraint "${KIND_CHECK}" ' || replace(definition, ${from}, ${to});
end $$;`;
}

/** Webhooks, their delivery log, and the outbox command that starts a delivery's workflow. */
export class Migration20261201180400Webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "webhooks" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "url" varchar(2048) not null, "events" text[] not null, "job_states" text[] not null, "encrypted_secret" text not null, "secret_fingerprint" varchar(16) not null, "enabled" boolean not null default true, "version" int not null default 1, constraint "webhooks_pkey" primary key ("id"));`);
    this.addSql(`create index "webhooks_created_at_id_index" on "webhooks" ("created_at", "id");`);

    this.addSql(`create table "webhook_deliveries" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "webhook_id" uuid not null, "event" text check ("event" in ('JOB_FINISHED', 'CLIENT_RUN_FINISHED', 'APPROVAL_REQUESTED', 'APPROVAL_DECIDED', 'ACCESS_REQUEST_APPROVED', 'SHARE_REFUSED', 'PING')) not null, "payload" jsonb not null, "state" text check ("state" in ('PENDING', 'DELIVERED', 'FAILED')) not null default 'PENDING', "attempts" int not null default 0, "last_status_code" int null, "last_error" text null, "last_attempt_at" timestamptz null, "delivered_at" timestamptz null, constraint "webhook_deliveries_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_deliveries_webhook_id_created_at_id_index" on "webhook_deliveries" ("webhook_id", "created_at", "id");`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_webhook_id_foreign" foreign key ("webhook_id") references "webhooks" ("id") on update cascade on delete cascade;`);

    this.addSql(rewriteKindCheck(`'::text])'`, `'::text, ''START_WEBHOOK_DELIVERY''::text])'`));
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "engine_outbox" where "kind" = 'START_WEBHOOK_DELIVERY';`);
    this.addSql(rewriteKindCheck(`', ''START_WEBHOOK_DELIVERY''::text'`, `''`));
    this.addSql(`drop table "webhook_deliveries";`);
    this.addSql(`drop table "webhooks";`);
  }
}
