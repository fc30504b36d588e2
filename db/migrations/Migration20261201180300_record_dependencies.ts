import { Migration } from '@mikro-orm/migrations';

/** Dependencies: places that hold a record's password and change with it. */
export class Migration20261201180300RecordDependencies extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "record_dependencies" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_id" uuid not null, "name" varchar(128) not null, "host" varchar(253) not null, "port" int not null, "host_key_fingerprint" varchar(128) not null, "account_record_id" uuid null, "command" text not null, "version" int not null default 1, constraint "record_dependencies_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "record_dependencies_record_id_index" on "record_dependencies" ("record_id");`);
    this.addSql(`create index "record_dependencies_account_record_id_index" on "record_dependencies" ("account_record_id");`);
    this.addSql(`alter table "record_dependencies" add constraint "record_dependencies_record_id_foreign" foreign key ("record_id") references "records" ("id") on update cascade on delete cascade;`);
    this.addSql(
      `alter table "record_dependencies" add constraint "record_dependencies_account_record_id_foreign" foreign key ("account_record_id") references "records" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table "record_dependencies";`);
  }
}
