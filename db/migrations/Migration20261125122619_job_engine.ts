import { Migration } from '@mikro-orm/migrations';

/** Worker nodes (with the local node), server settings for fallback, and fallback cycles on jobs. */
export class Migration20261125122619JobEngine extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "server_settings" ("id" int primary key check ("id" = 1), "fallback_enabled" boolean not null default false, "fallback_frequency_seconds" int not null default 3600, "fallback_cycles" int not null default 3, "version" int not null default 1);`);

    this.addSql(`create table "nodes" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(63) not null, "description" text null, "last_seen_at" timestamptz null, "version" int not null default 1, constraint "nodes_pkey" primary key ("id"));`);
    this.addSql(`alter table "nodes" add constraint "nodes_name_unique" unique ("name");`);
    this.addSql(`insert into "server_settings" ("id") values (1);`);
    this.addSql(`insert into "nodes" ("id", "name", "description") values (gen_random_uuid(), 'local', 'The node of the Steward server itself');`);

    this.addSql(`alter table "jobs" add column "fallback_of_id" uuid null, add column "fallback_cycle" int null, add column "fallback_cancelled_at" timestamptz null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_fallback_of_id_foreign" foreign key ("fallback_of_id") references "jobs" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "server_settings" cascade;`);

    this.addSql(`drop table if exists "nodes" cascade;`);

    this.addSql(`alter table "jobs" drop constraint "jobs_fallback_of_id_foreign";`);

    this.addSql(`alter table "jobs" drop column "fallback_of_id", drop column "fallback_cycle", drop column "fallback_cancelled_at";`);
  }

}
