import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { type StewardContext, currentUser } from '../context';
import { ExportClientTasksInput, ImportClientTasksInput } from '../inputs/client-task-transfer-inputs';
import { ExportClientTasksPayload, ImportClientTasksPayload } from '../types/client-task-transfer-types';
import { asData } from '../../services/shared/idempotency';
import type { ClientTaskImport } from '../../services/client-tasks/transfer';

@Authorized()
@Resolver()
export class ClientTaskTransferResolver {
  @Mutation(() => ExportClientTasksPayload, {
    description: 'Exports client tasks as a versioned document another server can import, signed with this server’s key and naming it as sourceServer; needs VIEW on their products. A mutation, so every export is audited.',
  })
  async exportClientTasks(@Arg('input', () => ExportClientTasksInput, { description: 'The client tasks to export.' }) input: ExportClientTasksInput, @Ctx() context: StewardContext): Promise<ExportClientTasksPayload> {
    return { document: await context.services.clientTaskTransfer.exportClientTasks(currentUser(context), input.clientTaskIds) };
  }

  @Mutation(() => ImportClientTasksPayload, {
    description:
      'Imports an exported document; needs EDIT on its products. Every problem (another format or version, a product not checked in, a task type the product lacks, settings invalid for the type’s current schema, a name twice) is reported at once with BAD_USER_INPUT and nothing is written; otherwise all of it is, in one transaction. New tasks keep the document’s enabled flag; creations and replacements await approval where the importer’s edits need it. A signature that does not verify with its registered server’s key is refused (BAD_USER_INPUT); an unsigned document or one from an unregistered signer is reported in signature, and refused (FORBIDDEN) while unverifiedClientTaskDocumentsAccepted is false.',
  })
  async importClientTasks(@Arg('input', () => ImportClientTasksInput, { description: 'The document, what to do on a name conflict, and whether this is a dry run.' }) input: ImportClientTasksInput, @Ctx() context: StewardContext): Promise<ImportClientTasksPayload> {
    const { clientTaskTransfer, idempotency } = context.services;
    const user = currentUser(context);
    const imported = () => clientTaskTransfer.importClientTasks(user, input.document, input.conflictPolicy, input.dryRun);
    const { results, signature } = await idempotency.once(user, 'importClientTasks', input, imported, asData<ClientTaskImport>());
    return { dryRun: input.dryRun, results, signature };
  }
}
