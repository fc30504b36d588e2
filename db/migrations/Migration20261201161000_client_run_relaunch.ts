import { Migration } from '@mikro-orm/migrations';

/** A relaunched run points at the run whose failed systems it runs again. */
export class Migration20261201161000ClientRunRelaunch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "client_runs" add column "relaunched_from_id" uuid null;`);
    this.addSql(`create index "client_runs_relaunched_from_id_index" on "client_runs" ("relaunched_from_id");`);
    this.addSql(
      `alter table "client_runs" add constraint "client_runs_relaunched_from_id_foreign" foreign key ("relaunched_from_id") references "client_runs" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "client_runs" drop column "relaunched_from_id";`);
  }
}
