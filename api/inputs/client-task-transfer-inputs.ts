import { ArrayMaxSize, ArrayNotEmpty, IsUUID } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType } from 'type-graphql';
import { ClientTaskConflictPolicy } from '../../lib/enums';
import { MAX_DOCUMENT_TASKS } from '../../services/client-tasks/document';
import { IdempotentInput } from './idempotent-input';

@InputType({ description: 'Exports client tasks as a document another server can import.' })
export class ExportClientTasksInput {
  @Field(() => [ID], { description: `The client tasks to export, 1–${MAX_DOCUMENT_TASKS}; the document lists them in this order.` })
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_DOCUMENT_TASKS)
  @IsUUID('all', { each: true })
  clientTaskIds!: string[];
}

@InputType({ description: 'Imports client tasks from a document that exportClientTasks made.' })
export class ImportClientTasksInput extends IdempotentInput {
  @Field(() => GraphQLJSONObject, { description: 'A document from exportClientTasks (format "steward.client-tasks", version 1).' })
  document!: Record<string, unknown>;

  @Field(() => ClientTaskConflictPolicy, {
    description: 'When a task type here already has a task of the same name: SKIP leaves it, RENAME imports as "<name> (2)", "(3)", …, REPLACE gives it the imported settings.',
  })
  conflictPolicy!: ClientTaskConflictPolicy;

  @Field(() => Boolean, { description: 'Check and plan only: report what would happen and write nothing.' })
  dryRun!: boolean;
}
