import { Migration } from '@mikro-orm/migrations';

/** A system names the worker node that reaches it, as a task does; every existing system is reached from the central worker. */
export class Migration20261202020000SystemExecutionNode extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "managed_systems" add column "execution_node" varchar(64) not null default 'local';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "managed_systems" drop column "execution_node";`);
  }
}
