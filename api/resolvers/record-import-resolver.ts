import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Role, VaultRecord } from '../../db/entities';
import { asData } from '../../services/shared/idempotency';
import type { RecordImportResult } from '../../services/vault/record-import';
import { type StewardContext, currentUser } from '../context';
import { createRecordInputProblems, ImportRecordsInput } from '../inputs/record-import-inputs';
import { ImportRecordsPayload } from '../types/record-import-types';

@Resolver()
export class RecordImportResolver {
  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ImportRecordsPayload, {
    description:
      'Creates many records from CSV or JSON, all or nothing: each row is checked as createRecord checks its input, and any problem means nothing is written and every problem is reported. Fires what createRecord fires. Needs what createRecord needs.',
  })
  async importRecords(@Arg('input', () => ImportRecordsInput, { description: 'The record type, the CSV or JSON content, and whether this is a dry run.' }) input: ImportRecordsInput, @Ctx() context: StewardContext): Promise<ImportRecordsPayload> {
    const { idempotency, recordImport } = context.services;
    const user = currentUser(context);
    const imported = () => recordImport.importRecords(user, input, createRecordInputProblems);
    const result = await idempotency.once(user, 'importRecords', input, imported, asData<RecordImportResult>());
    const records = result.recordIds.length ? await context.em.find(VaultRecord, { id: { $in: result.recordIds } }) : [];
    const order = new Map(result.recordIds.map((id, index) => [id, index]));
    return { ...result, records: records.sort((a, b) => order.get(a.id)! - order.get(b.id)!) };
  }
}
