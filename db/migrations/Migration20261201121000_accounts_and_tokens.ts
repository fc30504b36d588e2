import { Migration } from '@mikro-orm/migrations';

/**
 * Users can be disabled, every token expires, and failed logins are counted per username and per
 * client address in the table rate-limiter-flexible's PostgreSQL store expects (its shape, created
 * here rather than by the library at runtime).
 */
export class Migration20261201121000AccountsAndTokens extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "disabled_at" timestamptz null;`);

    // API tokens created before this never expired; they now live as long as the default maximum.
    this.addSql(`update "api_tokens" set "expires_at" = now() + interval '365 days' where "expires_at" is null;`);
    this.addSql(`alter table "api_tokens" alter column "expires_at" set not null;`);
    this.addSql(`create index "api_tokens_user_id_index" on "api_tokens" ("user_id");`);

    this.addSql(`create table "login_throttle" ("key" varchar(255) not null, "points" integer not null default 0, "expire" bigint null, constraint "login_throttle_pkey" primary key ("key"));`);
    // Expired windows are deleted by their expiry.
    this.addSql(`create index "login_throttle_expire_index" on "login_throttle" ("expire");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "login_throttle" cascade;`);
    this.addSql(`drop index "api_tokens_user_id_index";`);
    this.addSql(`alter table "api_tokens" alter column "expires_at" drop not null;`);
    this.addSql(`alter table "users" drop column "disabled_at";`);
  }
}
