import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125120624Initial } from './Migration20261125120624_initial';
import { Migration20261125122619JobEngine } from './Migration20261125122619_job_engine';
import { Migration20261125123943TaskModel } from './Migration20261125123943_task_model';
import { Migration20261125125316SessionsAndAccess } from './Migration20261125125316_sessions_and_access';
import { Migration20261125130041TargetsAndShadow } from './Migration20261125130041_targets_and_shadow';
import { Migration20261125131000CustomCommand } from './Migration20261125131000_custom_command';
import { Migration20261125140000SystemTreeAndCatalog } from './Migration20261125140000_system_tree_and_catalog';
import { Migration20261125141500Assignments } from './Migration20261125141500_assignments';
import { Migration20261125150000EndpointAndRepository } from './Migration20261125150000_endpoint_and_repository';
import { Migration20261125151000ApprovalsAndPermissionSets } from './Migration20261125151000_approvals_and_permission_sets';
import { Migration20261125152000ClientJobsAndRuns } from './Migration20261125152000_client_jobs_and_runs';
import { Migration20261201120000RecordPermissions } from './Migration20261201120000_record_permissions';
import { Migration20261201121000AccountsAndTokens } from './Migration20261201121000_accounts_and_tokens';
import { Migration20261201122000EngineOutbox } from './Migration20261201122000_engine_outbox';
import { Migration20261201123000PendingSettle } from './Migration20261201123000_pending_settle';

/** Every migration, in order. A new migration file is added here too. */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261125120624_initial', class: Migration20261125120624Initial },
  { name: 'Migration20261125122619_job_engine', class: Migration20261125122619JobEngine },
  { name: 'Migration20261125123943_task_model', class: Migration20261125123943TaskModel },
  { name: 'Migration20261125125316_sessions_and_access', class: Migration20261125125316SessionsAndAccess },
  { name: 'Migration20261125130041_targets_and_shadow', class: Migration20261125130041TargetsAndShadow },
  { name: 'Migration20261125131000_custom_command', class: Migration20261125131000CustomCommand },
  { name: 'Migration20261125140000_system_tree_and_catalog', class: Migration20261125140000SystemTreeAndCatalog },
  { name: 'Migration20261125141500_assignments', class: Migration20261125141500Assignments },
  { name: 'Migration20261125150000_endpoint_and_repository', class: Migration20261125150000EndpointAndRepository },
  { name: 'Migration20261125151000_approvals_and_permission_sets', class: Migration20261125151000ApprovalsAndPermissionSets },
  { name: 'Migration20261125152000_client_jobs_and_runs', class: Migration20261125152000ClientJobsAndRuns },
  { name: 'Migration20261201120000_record_permissions', class: Migration20261201120000RecordPermissions },
  { name: 'Migration20261201121000_accounts_and_tokens', class: Migration20261201121000AccountsAndTokens },
  { name: 'Migration20261201122000_engine_outbox', class: Migration20261201122000EngineOutbox },
  { name: 'Migration20261201123000_pending_settle', class: Migration20261201123000PendingSettle },
];
