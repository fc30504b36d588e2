import { Migration } from '@mikro-orm/migrations';

/** Target record and shadow account on tasks, and the Password Reset Remote Windows script. */
export class Migration20261125130041TargetsAndShadow extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tasks" drop constraint if exists "tasks_script_check";`);
    this.addSql(`alter table "tasks" add constraint "tasks_script_check" check("script" in ('PASSWORD_RESET_REMOTE_UNIX', 'PASSWORD_RESET_REMOTE_WINDOWS', 'VERIFY_PASSWORD'));`);
    this.addSql(`alter table "tasks" add column "target_record" text check ("target_record" in ('ITSELF', 'REFERENCED', 'SHADOW')) not null default 'ITSELF', add column "shadow_record_id" uuid null;`);
    this.addSql(`alter table "tasks" add constraint "tasks_shadow_record_id_foreign" foreign key ("shadow_record_id") references "records" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tasks" drop constraint "tasks_shadow_record_id_foreign";`);
    this.addSql(`alter table "tasks" drop column "target_record", drop column "shadow_record_id";`);
    this.addSql(`delete from "tasks" where "script" = 'PASSWORD_RESET_REMOTE_WINDOWS';`);
    this.addSql(`alter table "tasks" drop constraint if exists "tasks_script_check";`);
    this.addSql(`alter table "tasks" add constraint "tasks_script_check" check("script" in ('PASSWORD_RESET_REMOTE_UNIX', 'VERIFY_PASSWORD'));`);
  }
}
