import { Migration } from '@mikro-orm/migrations';

const GLOBS = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 4096 }, maxItems: 256 };
const ABSOLUTE_PATH = { type: 'string', pattern: '^/', minLength: 1, maxLength: 4096 };

function objectSchema(properties: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return { type: 'object', properties, required, additionalProperties: false };
}

const SCAN_BEFORE = objectSchema(
  {
    include: { ...GLOBS, minItems: 1 },
    exclude: GLOBS,
    maxFileSizeBytes: { type: 'integer', exclusiveMinimum: 0 },
    sha256Blocklist: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{64}$' }, maxItems: 10000 },
  },
  ['include'],
);
/** Scans gain the directories to walk; without them the walk starts where the absolute include globs do. */
const SCAN_AFTER = objectSchema({ paths: { type: 'array', items: ABSOLUTE_PATH, minItems: 1, maxItems: 256 }, ...(SCAN_BEFORE.properties as Record<string, unknown>) }, ['include']);

const RESTORE_BEFORE = objectSchema({ items: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 128 }, maxItems: 256, minItems: 1 }, overwrite: { type: 'boolean' } }, ['items']);
/** Restore names quarantine items by the ids the scan gave them. */
const RESTORE_AFTER = objectSchema(
  { items: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }, minItems: 1, maxItems: 256, uniqueItems: true }, overwrite: { type: 'boolean' } },
  ['items'],
);

function literal(value: unknown): string {
  return `'${JSON.stringify(value).replace(/'/g, "''")}'`;
}

function setSchema(product: string, taskType: string, schema: Record<string, unknown>): string {
  return `update "client_task_types" set "settings_schema" = ${literal(schema)}::jsonb where "name" = '${taskType}' and "product_id" = (select "id" from "products" where "name" = '${product}');`;
}

/** What endpoints report (system properties and statistics), commands of checked-in task types, and the package repository. */
export class Migration20261125150000EndpointAndRepository extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "client_task_types" add column "command" text null;`);
    this.addSql(`alter table "managed_systems" add column "properties" jsonb null, add column "statistics" jsonb null, add column "last_contact_at" timestamptz null;`);
    this.addSql(
      `create table "product_packages" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "product" varchar(128) not null, "version" varchar(32) not null, "sha256" varchar(64) not null, "size" int not null, "install_script" text not null, "content" bytea not null, constraint "product_packages_pkey" primary key ("id"), constraint product_packages_sha256_hex check ("sha256" ~ '^[0-9a-f]{64}$'), constraint product_packages_size_matches check ("size" = octet_length("content")));`,
    );
    this.addSql(`alter table "product_packages" add constraint "product_packages_product_version_unique" unique ("product", "version");`);
    this.addSql(setSchema('Threat Prevention', 'On-Demand Scan', SCAN_AFTER));
    this.addSql(setSchema('Threat Prevention', 'Restore from Quarantine', RESTORE_AFTER));
  }

  override async down(): Promise<void> {
    this.addSql(setSchema('Threat Prevention', 'Restore from Quarantine', RESTORE_BEFORE));
    this.addSql(setSchema('Threat Prevention', 'On-Demand Scan', SCAN_BEFORE));
    this.addSql(`drop table if exists "product_packages" cascade;`);
    this.addSql(`alter table "managed_systems" drop column "properties", drop column "statistics", drop column "last_contact_at";`);
    this.addSql(`alter table "client_task_types" drop column "command";`);
  }
}
