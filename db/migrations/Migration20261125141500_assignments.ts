import { Migration } from '@mikro-orm/migrations';

/** Client task assignments at groups and systems, and the nodes where inheritance is broken. */
export class Migration20261125141500Assignments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "client_task_assignments" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "client_task_id" uuid not null, "group_id" uuid null, "system_id" uuid null, "schedule" jsonb not null, "version" int not null default 1, constraint "client_task_assignments_pkey" primary key ("id"), constraint client_task_assignments_one_node check (num_nonnulls(group_id, system_id) = 1));`);
    this.addSql(`create index "client_task_assignments_client_task_id_index" on "client_task_assignments" ("client_task_id");`);
    this.addSql(`create index "client_task_assignments_group_id_index" on "client_task_assignments" ("group_id");`);
    this.addSql(`create index "client_task_assignments_system_id_index" on "client_task_assignments" ("system_id");`);
    this.addSql(`alter table "client_task_assignments" add constraint "client_task_assignments_client_task_id_foreign" foreign key ("client_task_id") references "client_tasks" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "client_task_assignments" add constraint "client_task_assignments_group_id_foreign" foreign key ("group_id") references "system_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "client_task_assignments" add constraint "client_task_assignments_system_id_foreign" foreign key ("system_id") references "managed_systems" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "inheritance_breaks" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "group_id" uuid null, "system_id" uuid null, constraint "inheritance_breaks_pkey" primary key ("id"), constraint inheritance_breaks_one_node check (num_nonnulls(group_id, system_id) = 1));`);
    this.addSql(`alter table "inheritance_breaks" add constraint "inheritance_breaks_group_id_unique" unique ("group_id");`);
    this.addSql(`alter table "inheritance_breaks" add constraint "inheritance_breaks_system_id_unique" unique ("system_id");`);
    this.addSql(`alter table "inheritance_breaks" add constraint "inheritance_breaks_group_id_foreign" foreign key ("group_id") references "system_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "inheritance_breaks" add constraint "inheritance_breaks_system_id_foreign" foreign key ("system_id") references "managed_systems" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "inheritance_breaks" cascade;`);
    this.addSql(`drop table if exists "client_task_assignments" cascade;`);
  }
}
