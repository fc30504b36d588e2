import { Migration } from '@mikro-orm/migrations';

/** The Custom Command script, and each task's script settings (Edit Script). */
export class Migration20261125131000CustomCommand extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tasks" drop constraint if exists "tasks_script_check";`);
    this.addSql(`alter table "tasks" add constraint "tasks_script_check" check("script" in ('PASSWORD_RESET_REMOTE_UNIX', 'PASSWORD_RESET_REMOTE_WINDOWS', 'VERIFY_PASSWORD', 'CUSTOM_COMMAND'));`);
    this.addSql(`alter table "tasks" add column "script_parameters" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tasks" drop column "script_parameters";`);
    this.addSql(`delete from "tasks" where "script" = 'CUSTOM_COMMAND';`);
    this.addSql(`alter table "tasks" drop constraint if exists "tasks_script_check";`);
    this.addSql(`alter table "tasks" add constraint "tasks_script_check" check("script" in ('PASSWORD_RESET_REMOTE_UNIX', 'PASSWORD_RESET_REMOTE_WINDOWS', 'VERIFY_PASSWORD'));`);
  }
}
