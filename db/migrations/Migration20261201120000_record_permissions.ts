import { Migration } from '@mikro-orm/migrations';

/**
 * Record permissions: user groups; grants to a user or a group, on a record or a record type
 * (existing grants, a user's on a record, keep their rows and meaning); the hosts a shadow
 * account's credentials may go to besides its own; who started each session, and how long a
 * session may last.
 */
export class Migration20261201120000RecordPermissions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "user_groups" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "version" int not null default 1, constraint "user_groups_pkey" primary key ("id"));`);
    this.addSql(`alter table "user_groups" add constraint "user_groups_name_unique" unique ("name");`);
    this.addSql(`create table "user_group_members" ("user_group_id" uuid not null, "user_id" uuid not null, constraint "user_group_members_pkey" primary key ("user_group_id", "user_id"));`);
    this.addSql(`alter table "user_group_members" add constraint "user_group_members_user_group_id_foreign" foreign key ("user_group_id") references "user_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "user_group_members" add constraint "user_group_members_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "user_group_members_user_id_index" on "user_group_members" ("user_id");`);

    this.addSql(`alter table "record_grants" drop constraint "record_grants_record_id_user_id_unique";`);
    this.addSql(`alter table "record_grants" alter column "record_id" drop not null, alter column "user_id" drop not null, add column "record_type_id" uuid null, add column "group_id" uuid null;`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_record_type_id_foreign" foreign key ("record_type_id") references "record_types" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_group_id_foreign" foreign key ("group_id") references "user_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_one_subject" check (num_nonnulls(user_id, group_id) = 1);`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_one_object" check (num_nonnulls(record_id, record_type_id) = 1);`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_known_permissions" check (cardinality(permissions) > 0 and permissions <@ array['VIEW', 'UNLOCK', 'EDIT', 'EXECUTE', 'TASK_CONTROL_MANAGE']::text[]);`);
    this.addSql(`create unique index "record_grants_subject_object_unique" on "record_grants" ("record_id", "record_type_id", "user_id", "group_id") nulls not distinct;`);
    this.addSql(`create index "record_grants_record_id_index" on "record_grants" ("record_id");`);
    this.addSql(`create index "record_grants_record_type_id_index" on "record_grants" ("record_type_id");`);
    this.addSql(`create index "record_grants_user_id_index" on "record_grants" ("user_id");`);
    this.addSql(`create index "record_grants_group_id_index" on "record_grants" ("group_id");`);
    this.addSql(`create index "records_record_type_id_index" on "records" ("record_type_id");`);

    this.addSql(`create table "shadow_hosts" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_id" uuid not null, "host" varchar(253) not null, "port" int not null, "host_key_fingerprint" varchar(128) not null, constraint "shadow_hosts_pkey" primary key ("id"));`);
    this.addSql(`alter table "shadow_hosts" add constraint "shadow_hosts_record_id_host_port_host_key_fingerprint_unique" unique ("record_id", "host", "port", "host_key_fingerprint");`);
    this.addSql(`alter table "shadow_hosts" add constraint "shadow_hosts_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "sessions" add column "started_by_id" uuid null;`);
    this.addSql(`alter table "sessions" add constraint "sessions_started_by_id_foreign" foreign key ("started_by_id") references "users" ("id") on update cascade on delete set null;`);
    // Sessions started before this kept their starter only in the audit log.
    this.addSql(`update "sessions" set "started_by_id" = "audit_events"."actor_id" from "audit_events" join "users" on "users"."id" = "audit_events"."actor_id" where "audit_events"."action" = 'startSession' and "audit_events"."details"->>'sessionId' = "sessions"."id"::text;`);
    this.addSql(`alter table "server_settings" add column "session_max_minutes" int not null default 480;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "server_settings" drop column "session_max_minutes";`);
    this.addSql(`alter table "sessions" drop column "started_by_id";`);
    this.addSql(`drop table "shadow_hosts";`);
    this.addSql(`drop index "records_record_type_id_index";`);
    this.addSql(`delete from "record_grants" where "user_id" is null or "record_id" is null;`);
    this.addSql(`drop index "record_grants_subject_object_unique";`);
    this.addSql(`drop index "record_grants_record_id_index";`);
    this.addSql(`drop index "record_grants_record_type_id_index";`);
    this.addSql(`drop index "record_grants_user_id_index";`);
    this.addSql(`drop index "record_grants_group_id_index";`);
    this.addSql(`alter table "record_grants" drop constraint "record_grants_one_subject", drop constraint "record_grants_one_object", drop constraint "record_grants_known_permissions";`);
    this.addSql(`alter table "record_grants" drop column "record_type_id", drop column "group_id";`);
    this.addSql(`alter table "record_grants" alter column "record_id" set not null, alter column "user_id" set not null;`);
    this.addSql(`alter table "record_grants" add constraint "record_grants_record_id_user_id_unique" unique ("record_id", "user_id");`);
    this.addSql(`drop table "user_group_members";`);
    this.addSql(`drop table "user_groups";`);
  }
}
