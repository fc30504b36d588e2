import { Migration } from '@mikro-orm/migrations';

/** A host key that did not match its pin is kept on the records and systems that pinned it, for an administrator to see. */
export class Migration20261201161500HostKeyMismatch extends Migration {
  override async up(): Promise<void> {
    for (const table of ['records', 'managed_systems']) {
      this.addSql(
        `alter table "${table}" add column "host_key_mismatch_pinned" varchar(128) null, add column "host_key_mismatch_seen" varchar(128) null, add column "host_key_mismatch_seen_at" timestamptz null;`,
      );
    }
  }

  override async down(): Promise<void> {
    for (const table of ['records', 'managed_systems']) {
      this.addSql(`alter table "${table}" drop column "host_key_mismatch_pinned", drop column "host_key_mismatch_seen", drop column "host_key_mismatch_seen_at";`);
    }
  }
}
