import { Migration } from '@mikro-orm/migrations';

/** Record types declare custom non-secret fields; records carry their values, filtered by containment (hence GIN). */
export class Migration20261201170000RecordTypeFields extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "record_types" add column "fields" jsonb not null default '[]';`);
    this.addSql(`alter table "records" add column "fields" jsonb not null default '{}';`);
    this.addSql(`create index "records_fields_index" on "records" using gin ("fields" jsonb_path_ops);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "records_fields_index";`);
    this.addSql(`alter table "records" drop column "fields";`);
    this.addSql(`alter table "record_types" drop column "fields";`);
  }
}
