import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125120624Initial } from './Migration20261125120624_initial';

/** Every migration, in order. A new migration file is added here too. */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261125120624_initial', class: Migration20261125120624Initial },
];
