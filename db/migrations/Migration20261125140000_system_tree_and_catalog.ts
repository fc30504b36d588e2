import { Migration } from '@mikro-orm/migrations';

const ABSOLUTE_PATH = { type: 'string', pattern: '^/', minLength: 1, maxLength: 4096 };
const PATHS = { type: 'array', items: ABSOLUTE_PATH, maxItems: 256 };
const NAMES = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 128 }, maxItems: 256 };
const GLOBS = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 4096 }, maxItems: 256 };
const LINUX = ['linux'];

function objectSchema(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** The built-in products and their task types, frozen as of this migration. */
const BUILT_INS: { name: string; version: string; taskTypes: { name: string; settingsSchema: Record<string, unknown> }[] }[] = [
  {
    name: 'Agent',
    version: '5.7.0',
    taskTypes: [
      { name: 'Statistics', settingsSchema: objectSchema({ paths: { ...PATHS, minItems: 1 } }, ['paths']) },
      { name: 'Wakeup', settingsSchema: objectSchema({ fullProperties: { type: 'boolean' } }) },
      { name: 'Mirror Repositories', settingsSchema: objectSchema({ targetPath: ABSOLUTE_PATH, packages: NAMES }, ['targetPath']) },
      {
        name: 'Product Deployment',
        settingsSchema: objectSchema(
          {
            action: { type: 'string', enum: ['install', 'remove'] },
            product: { type: 'string', minLength: 1, maxLength: 128 },
            version: { type: 'string', pattern: '^\\d+(\\.\\d+){0,3}$' },
            installRoot: ABSOLUTE_PATH,
          },
          ['action', 'product'],
        ),
      },
      { name: 'Product Update', settingsSchema: objectSchema({ products: NAMES }) },
    ],
  },
  {
    name: 'Threat Prevention',
    version: '10.7.0',
    taskTypes: [
      {
        name: 'On-Demand Scan',
        settingsSchema: objectSchema(
          {
            include: { ...GLOBS, minItems: 1 },
            exclude: GLOBS,
            maxFileSizeBytes: { type: 'integer', exclusiveMinimum: 0 },
            sha256Blocklist: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{64}$' }, maxItems: 10000 },
          },
          ['include'],
        ),
      },
      { name: 'Restore from Quarantine', settingsSchema: objectSchema({ items: { ...NAMES, minItems: 1 }, overwrite: { type: 'boolean' } }, ['items']) },
    ],
  },
];

function literal(value: unknown): string {
  return `'${(typeof value === 'string' ? value : JSON.stringify(value)).replace(/'/g, "''")}'`;
}

/** The system tree (groups with one root, "My Organization", and managed systems), products with their client task types, and the client task catalog. */
export class Migration20261125140000SystemTreeAndCatalog extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "system_groups" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "parent_id" uuid null, "version" int not null default 1, constraint "system_groups_pkey" primary key ("id"));`);
    this.addSql(`alter table "system_groups" add constraint "system_groups_parent_id_foreign" foreign key ("parent_id") references "system_groups" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "system_groups_parent_id_index" on "system_groups" ("parent_id");`);
    // Exactly one root: the tree has a single top.
    this.addSql(`create unique index "system_groups_one_root" on "system_groups" ((true)) where "parent_id" is null;`);
    this.addSql(`insert into "system_groups" ("id", "name", "parent_id") values (gen_random_uuid(), 'My Organization', null);`);

    this.addSql(`create table "managed_systems" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "group_id" uuid not null, "host" varchar(253) not null, "port" int not null default 22, "credential_record_id" uuid null, "host_key_fingerprint" varchar(128) not null, "time_zone" varchar(64) not null default 'UTC', "version" int not null default 1, constraint "managed_systems_pkey" primary key ("id"));`);
    this.addSql(`alter table "managed_systems" add constraint "managed_systems_group_id_foreign" foreign key ("group_id") references "system_groups" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "managed_systems" add constraint "managed_systems_credential_record_id_foreign" foreign key ("credential_record_id") references "records" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "managed_systems_group_id_index" on "managed_systems" ("group_id");`);

    this.addSql(`create table "products" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(128) not null, "version" varchar(32) not null, constraint "products_pkey" primary key ("id"));`);
    this.addSql(`alter table "products" add constraint "products_name_unique" unique ("name");`);
    this.addSql(`create table "client_task_types" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "product_id" uuid not null, "name" varchar(128) not null, "settings_schema" jsonb not null, "supported_os" jsonb not null, constraint "client_task_types_pkey" primary key ("id"));`);
    this.addSql(`alter table "client_task_types" add constraint "client_task_types_product_id_name_unique" unique ("product_id", "name");`);
    this.addSql(`alter table "client_task_types" add constraint "client_task_types_product_id_foreign" foreign key ("product_id") references "products" ("id") on update cascade on delete cascade;`);
    this.addSql(`create table "client_tasks" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "task_type_id" uuid not null, "name" varchar(128) not null, "settings" jsonb not null, "enabled" boolean not null default false, "version" int not null default 1, constraint "client_tasks_pkey" primary key ("id"));`);
    this.addSql(`create index "client_tasks_task_type_id_index" on "client_tasks" ("task_type_id");`);
    this.addSql(`alter table "client_tasks" add constraint "client_tasks_task_type_id_name_unique" unique ("task_type_id", "name");`);
    this.addSql(`alter table "client_tasks" add constraint "client_tasks_task_type_id_foreign" foreign key ("task_type_id") references "client_task_types" ("id") on update cascade on delete restrict;`);

    for (const product of BUILT_INS) {
      this.addSql(`insert into "products" ("id", "name", "version") values (gen_random_uuid(), ${literal(product.name)}, ${literal(product.version)});`);
      for (const taskType of product.taskTypes) {
        this.addSql(
          `insert into "client_task_types" ("id", "product_id", "name", "settings_schema", "supported_os") ` +
            `select gen_random_uuid(), "id", ${literal(taskType.name)}, ${literal(taskType.settingsSchema)}::jsonb, ${literal(LINUX)}::jsonb from "products" where "name" = ${literal(product.name)};`,
        );
      }
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "client_tasks" cascade;`);
    this.addSql(`drop table if exists "client_task_types" cascade;`);
    this.addSql(`drop table if exists "products" cascade;`);
    this.addSql(`drop table if exists "managed_systems" cascade;`);
    this.addSql(`drop table if exists "system_groups" cascade;`);
  }
}
