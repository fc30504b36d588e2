import path from 'node:path';
import { DataloaderType } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import {
  ApiToken,
  AuditEvent,
  BaseEntity,
  Job,
  JobEvent,
  JobOutputLine,
  PasswordHistoryEntry,
  AccessRequest,
  RecordSession,
  RecordGrant,
  RecordType,
  ServerSettings,
  Task,
  User,
  VaultRecord,
  WorkerNode,
  SystemGroup,
  ManagedSystem,
  Product,
  ClientTaskType,
  ClientTask,
  ClientTaskAssignment,
  InheritanceBreak,
  PermissionSet,
  PermissionSetGrant,
  ClientTaskChange,
  ProductPackage,
  UserGroup,
  ShadowHost,
  RecordDependency,
  EngineCommand,
  IdempotencyKey,
  RegisteredServer,
  ServerKey,
  ReceivedShareBundle,
  ShareSyncState,
  Webhook,
  WebhookDelivery,
  ServerTaskRun,
  ServerTaskPeerResult,
  LibraryScript,
  LibraryScriptVersion,
} from './entities';
import { migrations } from './migrations';
import { OrmLogger } from './orm-logger';

/** The one ORM configuration used by the API, the workers, the migration command and the tests. */
export function ormConfig(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: [BaseEntity, User, ApiToken, RecordType, Task, VaultRecord, PasswordHistoryEntry, Job, JobEvent, JobOutputLine, AuditEvent, WorkerNode, ServerSettings, RecordGrant, RecordSession, AccessRequest, SystemGroup, ManagedSystem, Product, ClientTaskType, ClientTask, ClientTaskAssignment, InheritanceBreak, PermissionSet, PermissionSetGrant, ClientTaskChange, ProductPackage, UserGroup, ShadowHost, RecordDependency, EngineCommand, IdempotencyKey, RegisteredServer, ServerKey, ReceivedShareBundle, ShareSyncState, ServerTaskRun, ServerTaskPeerResult, LibraryScript, LibraryScriptVersion, Webhook, WebhookDelivery],
    extensions: [Migrator],
    // Resolvers load relations through batched loaders instead of one query per row.
    dataloader: DataloaderType.ALL,
    forceUtcTimezone: true,
    // The login throttle's table belongs to rate-limiter-flexible; migrations create it, no entity maps it.
    schemaGenerator: { skipTables: ['login_throttle'] },
    allowGlobalContext: false,
    debug: false,
    colors: false,
    loggerFactory: (options) => new OrmLogger(options),
    migrations: {
      tableName: 'mikro_orm_migrations',
      // Listed explicitly so compiled and ts-node runs find the same migrations.
      migrationsList: migrations,
      path: path.join(__dirname, 'migrations'),
      pathTs: path.join(__dirname, 'migrations'),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
    ...overrides,
  });
}
