import { Migration } from '@mikro-orm/migrations';

/** The built-ins, as read-only library rows with fixed IDs (services/scripts/built-in-scripts.ts names them). */
const BUILT_INS: [id: string, key: string, name: string, kind: string, interpreter: string, description: string, body: string][] = [
  [
    '5c1b0000-0000-4000-8000-000000000001',
    'PASSWORD_RESET_REMOTE_UNIX',
    'Password Reset Remote Unix',
    'PASSWORD_RESET',
    'SH',
    'Logs in over SSH as the account and runs passwd with the current and new passwords on stdin; with a shadow account, logs in as it and runs chpasswd. Then verifies by logging in with the new password.',
    [
      '# stdin: the new password, then the current one; STEWARD_ACCOUNT names the account.',
      'IFS= read -r new; IFS= read -r current',
      'if [ "$(id -un)" = "$STEWARD_ACCOUNT" ]; then',
      '  printf \'%s\\n%s\\n%s\\n\' "$current" "$new" "$new" | LC_ALL=C passwd',
      'else',
      '  printf \'%s:%s\\n\' "$STEWARD_ACCOUNT" "$new" | LC_ALL=C chpasswd',
      'fi',
    ].join('\n'),
  ],
  [
    '5c1b0000-0000-4000-8000-000000000002',
    'PASSWORD_RESET_REMOTE_WINDOWS',
    'Password Reset Remote Windows',
    'PASSWORD_RESET',
    'POWERSHELL',
    'Runs PowerShell over SSH (Windows OpenSSH): Set-LocalUser for the account, reading the new password from stdin. Needs an account allowed to manage local users, usually a shadow account. Then verifies by logging in.',
    '$ErrorActionPreference = "Stop"\nSet-LocalUser -Name $env:STEWARD_ACCOUNT -Password (ConvertTo-SecureString $StewardNewPassword -AsPlainText -Force)',
  ],
  [
    '5c1b0000-0000-4000-8000-000000000003',
    'VERIFY_PASSWORD',
    'Verify Password',
    'VERIFY',
    'SH',
    'Logs in over SSH with the password the vault holds and reports whether it works.',
    '# Logging in over SSH with the password the vault holds is the check.\ntrue',
  ],
  [
    '5c1b0000-0000-4000-8000-000000000004',
    'CUSTOM_COMMAND',
    'Custom Command',
    'COMMAND',
    'SH',
    'Runs the task’s own command on the host as the account (or its shadow account). Its parameters, and the account name as STEWARD_ACCOUNT, arrive as environment variables, never spliced into the command.',
    '# Tasks of the built-in give their own command (Edit Script on the task); its parameters and STEWARD_ACCOUNT are in the environment.\ntrue',
  ],
];

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The Script Library: curated scripts with their versions, tasks that reference one, and the version each job ran. */
export class Migration20261201180100ScriptLibrary extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "library_scripts" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "description" text not null default '', "kind" text check ("kind" in ('PASSWORD_RESET', 'VERIFY', 'COMMAND')) not null, "interpreter" text check ("interpreter" in ('SH', 'POWERSHELL')) not null, "body" text not null, "parameters" jsonb not null default '[]', "built_in_key" text check ("built_in_key" in ('PASSWORD_RESET_REMOTE_UNIX', 'PASSWORD_RESET_REMOTE_WINDOWS', 'VERIFY_PASSWORD', 'CUSTOM_COMMAND')) null, "version" int not null default 1, constraint "library_scripts_pkey" primary key ("id"));`);
    this.addSql(`alter table "library_scripts" add constraint "library_scripts_name_unique" unique ("name");`);
    this.addSql(`alter table "library_scripts" add constraint "library_scripts_built_in_key_unique" unique ("built_in_key");`);
    this.addSql(`create index "library_scripts_created_at_id_index" on "library_scripts" ("created_at", "id");`);

    this.addSql(`create table "library_script_versions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "script_id" uuid not null, "version" int not null, "name" varchar(128) not null, "kind" text check ("kind" in ('PASSWORD_RESET', 'VERIFY', 'COMMAND')) not null, "interpreter" text check ("interpreter" in ('SH', 'POWERSHELL')) not null, "body" text not null, "parameters" jsonb not null default '[]', "saved_by" varchar(128) null, constraint "library_script_versions_pkey" primary key ("id"));`);
    this.addSql(`alter table "library_script_versions" add constraint "library_script_versions_script_id_version_unique" unique ("script_id", "version");`);
    this.addSql(`alter table "library_script_versions" add constraint "library_script_versions_script_id_foreign" foreign key ("script_id") references "library_scripts" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tasks" add column "library_script_id" uuid null;`);
    this.addSql(`alter table "tasks" add constraint "tasks_library_script_id_foreign" foreign key ("library_script_id") references "library_scripts" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "tasks_library_script_id_index" on "tasks" ("library_script_id");`);

    this.addSql(`alter table "jobs" add column "library_script_version_id" uuid null, add column "script_name" varchar(128) null, add column "script_version" int null;`);
    this.addSql(`alter table "jobs" add constraint "jobs_library_script_version_id_foreign" foreign key ("library_script_version_id") references "library_script_versions" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "jobs_library_script_version_id_index" on "jobs" ("library_script_version_id");`);

    for (const [id, key, name, kind, interpreter, description, body] of BUILT_INS) {
      this.addSql(
        `insert into "library_scripts" ("id", "name", "description", "kind", "interpreter", "body", "built_in_key", "version") values (${literal(id)}, ${literal(name)}, ${literal(description)}, ${literal(kind)}, ${literal(interpreter)}, ${literal(body)}, ${literal(key)}, 1);`,
      );
      this.addSql(
        `insert into "library_script_versions" ("id", "script_id", "version", "name", "kind", "interpreter", "body") values (gen_random_uuid(), ${literal(id)}, 1, ${literal(name)}, ${literal(kind)}, ${literal(interpreter)}, ${literal(body)});`,
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "jobs" drop constraint "jobs_library_script_version_id_foreign";`);
    this.addSql(`alter table "jobs" drop column "library_script_version_id", drop column "script_name", drop column "script_version";`);
    this.addSql(`alter table "tasks" drop constraint "tasks_library_script_id_foreign";`);
    this.addSql(`alter table "tasks" drop column "library_script_id";`);
    this.addSql(`drop table "library_script_versions";`);
    this.addSql(`drop table "library_scripts";`);
  }
}
