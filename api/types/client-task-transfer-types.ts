import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { ClientTaskImportAction, DocumentSignatureStatus } from '../../lib/enums';
import type { ClientTaskDocument } from '../../services/client-tasks/document';

@ObjectType({ description: 'What exportClientTasks returns.' })
export class ExportClientTasksPayload {
  @Field(() => GraphQLJSONObject, {
    description: 'Format "steward.client-tasks" version 1: { format, formatVersion, exportedAt, sourceServer, signature, clientTasks: [{ name, product { name version }, taskType, settings, enabled }] }. signature is a JWS by sourceServer over the rest.',
  })
  document!: ClientTaskDocument;
}

@ObjectType({ description: 'What an import did, or in a dry run would do, with one client task of the document.' })
export class ClientTaskImportResult {
  @Field(() => String, { description: 'The name in the document.' })
  name!: string;

  @Field(() => String, { description: 'The name it has here: a RENAMED task’s new name, or the existing task’s for SKIPPED and REPLACED.' })
  finalName!: string;

  @Field(() => String, { description: 'Product name.' })
  product!: string;

  @Field(() => String, { description: 'Task type name.' })
  taskType!: string;

  @Field(() => ClientTaskImportAction, { description: 'What the import did, or on a dry run would do, with this client task.' })
  action!: ClientTaskImportAction;

  @Field(() => ID, { nullable: true, description: 'The created, replaced or skipped client task; null for one a dry run would create.' })
  clientTaskId!: string | null;

  @Field(() => Boolean, { description: 'The creation or replacement awaits an approver; until then the task keeps its approved version (a created one is at approvedRevision 0 and runs nowhere).' })
  awaitingApproval!: boolean;
}

@ObjectType({ description: 'What an import found of the document’s signature.' })
export class DocumentSignatureReport {
  @Field(() => DocumentSignatureStatus, { description: 'What the import found of the document’s signature.' })
  status!: DocumentSignatureStatus;

  @Field(() => String, { nullable: true, description: 'The server that signed it: verified for VERIFIED, as claimed for UNKNOWN_SIGNER; null when unsigned.' })
  signer!: string | null;
}

@ObjectType({ description: 'What importClientTasks returns: what it did (or would do) with each client task.' })
export class ImportClientTasksPayload {
  @Field(() => Boolean, { description: 'True when nothing was written.' })
  dryRun!: boolean;

  @Field(() => [ClientTaskImportResult], { description: 'One per client task of the document, in its order.' })
  results!: ClientTaskImportResult[];

  @Field(() => DocumentSignatureReport, { description: 'What the import found of the document’s signature.' })
  signature!: DocumentSignatureReport;
}
