import 'reflect-metadata';
import './types/enums';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { buildSchema, type PubSub } from 'type-graphql';
import { auditFailedMutations } from './audit-failed-mutations';
import { authChecker } from './auth-checker';
import { AuditResolver } from './resolvers/audit-resolver';
import { AccessRequestResolver, SessionResolver } from './resolvers/access-resolver';
import { AuthResolver } from './resolvers/auth-resolver';
import { ApiTokenResolver } from './resolvers/api-token-resolver';
import { UserResolver } from './resolvers/user-resolver';
import { FallbackSettingsResolver, NodeResolver } from './resolvers/engine-settings-resolver';
import { JobResolver } from './resolvers/job-resolver';
import { LibraryResolver, ScriptVersionResolver, TaskLibraryScriptResolver } from './resolvers/library-resolver';
import { RecordGrantResolver, RecordResolver } from './resolvers/record-resolver';
import { RecordDependenciesFieldResolver, RecordDependencyResolver } from './resolvers/record-dependency-resolver';
import { RecordImportResolver } from './resolvers/record-import-resolver';
import { RecordTypeResolver } from './resolvers/record-type-resolver';
import { TaskResolver } from './resolvers/task-resolver';
import { UserGroupResolver } from './resolvers/user-group-resolver';
import { ManagedSystemResolver, SystemGroupResolver } from './resolvers/system-tree-resolver';
import { ClientTaskResolver, ClientTaskTypeResolver, ProductResolver } from './resolvers/client-catalog-resolver';
import { ClientRunResolver } from './resolvers/client-run-resolver';
import { ClientTaskDeletionResolver } from './resolvers/client-task-deletion-resolver';
import { ClientTaskAssignmentResolver, ClientTaskAssignmentsResolver } from './resolvers/assignment-resolver';
import { HostKeyResolver, RecordHostKeyResolver, SystemHostKeyResolver } from './resolvers/host-key-resolver';
import { ClientTaskApprovalSettingResolver, ClientTaskChangeResolver } from './resolvers/client-task-approval-resolver';
import { PermissionSetResolver, ProductGrantResolver } from './resolvers/permission-set-resolver';
import { AssignmentPreviewResolver } from './resolvers/assignment-preview-resolver';
import { ClientTaskTransferResolver } from './resolvers/client-task-transfer-resolver';
import { PackageRepositoryResolver } from './resolvers/package-repository-resolver';
import { RegisteredServerResolver, ServerIdentityResolver } from './resolvers/federation-server-resolver';
import { ShareBundleResolver } from './resolvers/federation-share-resolver';
import { ClientTaskSharingResolver } from './resolvers/federation-ownership-resolver';
import { ClientTaskDocumentPolicyResolver } from './resolvers/federation-document-resolver';
import { ShareSyncResolver } from './resolvers/share-sync-resolver';
import { WebhookResolver } from './resolvers/webhook-resolver';
import { LiveUpdatesResolver } from './resolvers/live-resolver';
import { LiveEvents } from './live/live-events';

// type-graphql has no option for the root types' descriptions, so they are set on the built schema.
const ROOT_TYPE_DESCRIPTIONS: Record<string, string> = {
  Query: 'Reads. Each field answers for the signed-in caller (a login session or an API token) and shows only what they may see.',
  Mutation: 'Changes. Each returns a payload, and most take one input object; a refused or failed change is a GraphQL error whose extensions.code says why.',
  Subscription: 'Live updates over graphql-ws (path /graphql); each event is checked against the caller’s permissions before it is sent.',
};

function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (root) root.description = ROOT_TYPE_DESCRIPTIONS[root.name];
  }
  return schema;
}

/** `pubSub`: the process's live events (api/live/live-events.ts); a hub that never listens does for printing the schema. */
export async function buildStewardSchema(pubSub: PubSub = new LiveEvents()): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    pubSub,
    resolvers: [AuthResolver, AuditResolver, ApiTokenResolver, UserResolver, RecordTypeResolver, RecordResolver, JobResolver, LibraryResolver, ScriptVersionResolver, TaskLibraryScriptResolver, NodeResolver, FallbackSettingsResolver, TaskResolver, RecordGrantResolver, RecordDependencyResolver, RecordDependenciesFieldResolver, RecordImportResolver, AccessRequestResolver, SessionResolver, SystemGroupResolver, ManagedSystemResolver, ProductResolver, ClientTaskTypeResolver, ClientTaskResolver, ClientTaskAssignmentResolver, ClientTaskAssignmentsResolver, HostKeyResolver, RecordHostKeyResolver, SystemHostKeyResolver, ClientTaskApprovalSettingResolver, ClientTaskChangeResolver, PermissionSetResolver, ProductGrantResolver, AssignmentPreviewResolver, ClientRunResolver, ClientTaskDeletionResolver, ClientTaskTransferResolver, PackageRepositoryResolver, UserGroupResolver, ServerIdentityResolver, RegisteredServerResolver, ShareBundleResolver, ClientTaskSharingResolver, ClientTaskDocumentPolicyResolver, ShareSyncResolver, LiveUpdatesResolver, WebhookResolver],
    authChecker,
    authMode: 'error',
    globalMiddlewares: [auditFailedMutations],
    validate: { forbidUnknownValues: false },
    scalarsMap: [{ type: Date, scalar: DateTimeISOResolver }],
  });
  return describeRootTypes(schema);
}

/** The SDL committed as schema.graphql, sorted so it diffs cleanly. */
export function printStewardSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
