import { Migration } from '@mikro-orm/migrations';

/** Client task approvals: the server setting, approved revisions, pending changes, and per-product permission sets. */
export class Migration20261125151000ApprovalsAndPermissionSets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "server_settings" add column "client_task_approval_required" boolean not null default false;`);
    // Every existing task was applied directly, so each has one approved revision.
    this.addSql(`alter table "client_tasks" add column "approved_revision" int not null default 1;`);

    this.addSql(`create table "permission_sets" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "description" text null, "version" int not null default 1, constraint "permission_sets_pkey" primary key ("id"));`);
    this.addSql(`alter table "permission_sets" add constraint "permission_sets_name_unique" unique ("name");`);

    this.addSql(`create table "permission_set_grants" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "permission_set_id" uuid not null, "product_id" uuid not null, "capabilities" text[] not null, "edit_requires_approval" boolean not null default false, constraint "permission_set_grants_pkey" primary key ("id"), constraint permission_set_grants_capabilities check (capabilities <@ array['VIEW', 'EDIT', 'APPROVE'] and 'VIEW' = any(capabilities)));`);
    this.addSql(`alter table "permission_set_grants" add constraint "permission_set_grants_permission_set_id_product_id_unique" unique ("permission_set_id", "product_id");`);
    this.addSql(`create index "permission_set_grants_product_id_index" on "permission_set_grants" ("product_id");`);
    this.addSql(`alter table "permission_set_grants" add constraint "permission_set_grants_permission_set_id_foreign" foreign key ("permission_set_id") references "permission_sets" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "permission_set_grants" add constraint "permission_set_grants_product_id_foreign" foreign key ("product_id") references "products" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "permission_set_users" ("permission_set_id" uuid not null, "user_id" uuid not null, constraint "permission_set_users_pkey" primary key ("permission_set_id", "user_id"));`);
    this.addSql(`alter table "permission_set_users" add constraint "permission_set_users_permission_set_id_foreign" foreign key ("permission_set_id") references "permission_sets" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "permission_set_users" add constraint "permission_set_users_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "client_task_changes" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "client_task_id" uuid not null, "base_revision" int not null, "name" varchar(128) not null, "settings" jsonb not null, "enabled" boolean not null, "proposed_by_id" uuid not null, "state" text check ("state" in ('PENDING', 'APPROVED', 'REJECTED')) not null default 'PENDING', "decided_by_id" uuid null, "decided_at" timestamptz null, "comment" text null, constraint "client_task_changes_pkey" primary key ("id"));`);
    this.addSql(`create index "client_task_changes_client_task_id_index" on "client_task_changes" ("client_task_id");`);
    // At most one change per task waits for approval.
    this.addSql(`create unique index "client_task_changes_one_pending" on "client_task_changes" ("client_task_id") where "state" = 'PENDING';`);
    this.addSql(`alter table "client_task_changes" add constraint "client_task_changes_client_task_id_foreign" foreign key ("client_task_id") references "client_tasks" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "client_task_changes" add constraint "client_task_changes_proposed_by_id_foreign" foreign key ("proposed_by_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "client_task_changes" add constraint "client_task_changes_decided_by_id_foreign" foreign key ("decided_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "client_task_changes" cascade;`);
    this.addSql(`drop table if exists "permission_set_users" cascade;`);
    this.addSql(`drop table if exists "permission_set_grants" cascade;`);
    this.addSql(`drop table if exists "permission_sets" cascade;`);
    this.addSql(`alter table "client_tasks" drop column "approved_revision";`);
    this.addSql(`alter table "server_settings" drop column "client_task_approval_required";`);
  }
}
