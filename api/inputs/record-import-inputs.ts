import { IsBoolean, IsEnum, IsOptional, IsUUID, MaxLength, validate } from 'class-validator';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { MAX_IMPORT_CONTENT_CHARS, RecordImportFormat } from '../../services/vault/record-import-rows';
import type { RecordSpec } from '../../services/vault/record-service';
import type { FieldProblem } from '../../services/vault/record-spec-checks';
import { IdempotentInput } from './idempotent-input';
import { CreateRecordInput } from './record-inputs';

registerEnumType(RecordImportFormat, {
  name: 'RecordImportFormat',
  description: 'How importRecords reads its content.',
  valuesConfig: {
    CSV: { description: 'Comma-separated values with a header row naming the columns.' },
    JSON: { description: 'A JSON array of record objects.' },
  },
});

@InputType({ description: 'Creates records of one record type from CSV or JSON; all rows or none.' })
export class ImportRecordsInput extends IdempotentInput {
  @Field(() => RecordImportFormat, { description: 'How content is written.' })
  @IsEnum(RecordImportFormat)
  format!: RecordImportFormat;

  @Field(() => String, {
    description:
      'CSV with a header row, or a JSON array of objects. Columns: name, host, username, password, hostKeyFingerprint, and optionally port (22), timeZone (UTC), recordType (a record type’s name). At most 100,000 rows.',
  })
  @MaxLength(MAX_IMPORT_CONTENT_CHARS)
  content!: string;

  @Field(() => Boolean, { nullable: true, description: 'Check every row and report, writing nothing.' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'The record type of rows with no recordType column or an empty one.' })
  @IsOptional()
  @IsUUID()
  recordTypeId?: string | null;
}

/** A row, checked as createRecord's input is: by CreateRecordInput's own rules. */
export async function createRecordInputProblems(spec: RecordSpec): Promise<FieldProblem[]> {
  const errors = await validate(Object.assign(new CreateRecordInput(), spec), { forbidUnknownValues: false });
  return errors.map((error) => ({ field: error.property, code: 'BAD_USER_INPUT', message: Object.values(error.constraints ?? {})[0] ?? `${error.property} is not valid` }));
}
