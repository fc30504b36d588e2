import { Migration } from '@mikro-orm/migrations';

/**
 * Sharing client tasks between servers: this server's signing keys, the peers it trusts, the
 * bundle IDs it has accepted (replay protection), and the owner and origin of each client task.
 */
export class Migration20261201130000Federation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "registered_servers" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "graphql_url" varchar(2048) not null, "public_key" varchar(64) not null, "enabled" boolean not null default true, "version" int not null default 1, constraint "registered_servers_pkey" primary key ("id"));`);
    this.addSql(`alter table "registered_servers" add constraint "registered_servers_name_unique" unique ("name");`);

    this.addSql(`create table "server_keys" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "public_key" varchar(64) not null, "encrypted_private_key" text not null, "status" text check ("status" in ('CURRENT', 'PREVIOUS', 'RETIRED')) not null, "retired_at" timestamptz null, "version" int not null default 1, constraint "server_keys_pkey" primary key ("id"));`);
    // One current and at most one previous key: two servers starting at once cannot both make a first key.
    this.addSql(`create unique index "server_keys_status_unique" on "server_keys" ("status") where "status" in ('CURRENT', 'PREVIOUS');`);

    this.addSql(`create table "received_share_bundles" ("issuer" varchar(128) not null, "bundle_id" varchar(128) not null, "expires_at" timestamptz not null, constraint "received_share_bundles_pkey" primary key ("issuer", "bundle_id"));`);
    this.addSql(`create index "received_share_bundles_expires_at_index" on "received_share_bundles" ("expires_at");`);

    this.addSql(`alter table "client_tasks" add column "owner_id" uuid null, add column "shared" boolean not null default false, add column "origin_id" uuid null, add column "origin_task_id" varchar(64) null, add column "origin_revision" int null, add column "withdrawn" boolean not null default false;`);
    this.addSql(`alter table "client_tasks" add constraint "client_tasks_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "client_tasks" add constraint "client_tasks_origin_id_foreign" foreign key ("origin_id") references "registered_servers" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "client_tasks_owner_id_index" on "client_tasks" ("owner_id");`);
    this.addSql(`create index "client_tasks_origin_id_index" on "client_tasks" ("origin_id");`);
    // Names are unique among local tasks; a received task is known by its origin's ID, whatever its name.
    this.addSql(`alter table "client_tasks" drop constraint "client_tasks_task_type_id_name_unique";`);
    this.addSql(`create unique index "client_tasks_task_type_id_name_unique" on "client_tasks" ("task_type_id", "name") where "origin_id" is null;`);
    this.addSql(`create unique index "client_tasks_origin_task_unique" on "client_tasks" ("origin_id", "origin_task_id") where "origin_id" is not null;`);
    // Imports keep taking unsigned documents until an administrator decides otherwise.
    this.addSql(`alter table "server_settings" add column "unverified_documents_accepted" boolean not null default true;`);
    // Existing tasks are owned by whoever created them, as the audit log tells; the rest stay ownerless until an administrator assigns one.
    this.addSql(`update "client_tasks" set "owner_id" = (select "audit_events"."actor_id" from "audit_events" join "users" on "users"."id" = "audit_events"."actor_id" where "audit_events"."target_type" = 'ClientTask' and "audit_events"."target_id" = "client_tasks"."id"::text and "audit_events"."action" in ('createClientTask', 'duplicateClientTask') and "audit_events"."outcome" = 'SUCCESS' order by "audit_events"."created_at" limit 1);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "server_settings" drop column "unverified_documents_accepted";`);
    this.addSql(`delete from "client_tasks" where "origin_id" is not null;`);
    this.addSql(`drop index "client_tasks_origin_task_unique";`);
    this.addSql(`drop index "client_tasks_task_type_id_name_unique";`);
    this.addSql(`alter table "client_tasks" add constraint "client_tasks_task_type_id_name_unique" unique ("task_type_id", "name");`);
    this.addSql(`alter table "client_tasks" drop constraint "client_tasks_owner_id_foreign", drop constraint "client_tasks_origin_id_foreign";`);
    this.addSql(`alter table "client_tasks" drop column "owner_id", drop column "shared", drop column "origin_id", drop column "origin_task_id", drop column "origin_revision", drop column "withdrawn";`);
    this.addSql(`drop table if exists "received_share_bundles" cascade;`);
    this.addSql(`drop table if exists "server_keys" cascade;`);
    this.addSql(`drop table if exists "registered_servers" cascade;`);
  }
}
