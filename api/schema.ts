import 'reflect-metadata';
import './types/enums';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth-checker';
import { AccessRequestResolver, SessionResolver } from './resolvers/access-resolver';
import { AuthResolver } from './resolvers/auth-resolver';
import { ApiTokenResolver } from './resolvers/api-token-resolver';
import { UserResolver } from './resolvers/user-resolver';
import { FallbackSettingsResolver, NodeResolver } from './resolvers/engine-settings-resolver';
import { JobResolver } from './resolvers/job-resolver';
import { LibraryResolver } from './resolvers/library-resolver';
import { RecordGrantResolver, RecordResolver } from './resolvers/record-resolver';
import { RecordTypeResolver } from './resolvers/record-type-resolver';
import { TaskResolver } from './resolvers/task-resolver';
import { UserGroupResolver } from './resolvers/user-group-resolver';
import { ManagedSystemResolver, SystemGroupResolver } from './resolvers/system-tree-resolver';
import { ClientTaskResolver, ClientTaskTypeResolver, ProductResolver } from './resolvers/client-catalog-resolver';
import { ClientRunResolver } from './resolvers/client-run-resolver';
import { ClientTaskDeletionResolver } from './resolvers/client-task-deletion-resolver';
import { ClientTaskAssignmentResolver } from './resolvers/assignment-resolver';
import { ClientTaskApprovalSettingResolver, ClientTaskChangeResolver } from './resolvers/client-task-approval-resolver';
import { PermissionSetResolver, ProductGrantResolver } from './resolvers/permission-set-resolver';
import { AssignmentPreviewResolver } from './resolvers/assignment-preview-resolver';
import { ClientTaskTransferResolver } from './resolvers/client-task-transfer-resolver';
import { PackageRepositoryResolver } from './resolvers/package-repository-resolver';

export function buildStewardSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [AuthResolver, ApiTokenResolver, UserResolver, RecordTypeResolver, RecordResolver, JobResolver, LibraryResolver, NodeResolver, FallbackSettingsResolver, TaskResolver, RecordGrantResolver, AccessRequestResolver, SessionResolver, SystemGroupResolver, ManagedSystemResolver, ProductResolver, ClientTaskTypeResolver, ClientTaskResolver, ClientTaskAssignmentResolver, ClientTaskApprovalSettingResolver, ClientTaskChangeResolver, PermissionSetResolver, ProductGrantResolver, AssignmentPreviewResolver, ClientRunResolver, ClientTaskDeletionResolver, ClientTaskTransferResolver, PackageRepositoryResolver, UserGroupResolver],
    authChecker,
    authMode: 'error',
    validate: { forbidUnknownValues: false },
    scalarsMap: [{ type: Date, scalar: DateTimeISOResolver }],
  });
}

/** The SDL committed as schema.graphql, sorted so it diffs cleanly. */
export function printStewardSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
