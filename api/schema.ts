import 'reflect-metadata';
import './types/enums';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth-checker';
import { AccessRequestResolver, SessionResolver } from './resolvers/access-resolver';
import { AuthResolver } from './resolvers/auth-resolver';
import { FallbackSettingsResolver, NodeResolver } from './resolvers/engine-settings-resolver';
import { JobResolver } from './resolvers/job-resolver';
import { LibraryResolver } from './resolvers/library-resolver';
import { RecordGrantResolver, RecordResolver } from './resolvers/record-resolver';
import { RecordTypeResolver } from './resolvers/record-type-resolver';
import { TaskResolver } from './resolvers/task-resolver';
import { ManagedSystemResolver, SystemGroupResolver } from './resolvers/system-tree-resolver';
import { ClientTaskResolver, ClientTaskTypeResolver, ProductResolver } from './resolvers/client-catalog-resolver';
import { ClientTaskAssignmentResolver } from './resolvers/assignment-resolver';

export function buildStewardSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [AuthResolver, RecordTypeResolver, RecordResolver, JobResolver, LibraryResolver, NodeResolver, FallbackSettingsResolver, TaskResolver, RecordGrantResolver, AccessRequestResolver, SessionResolver, SystemGroupResolver, ManagedSystemResolver, ProductResolver, ClientTaskTypeResolver, ClientTaskResolver, ClientTaskAssignmentResolver],
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
