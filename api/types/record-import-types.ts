import { Field, Int, ObjectType } from 'type-graphql';
import { VaultRecord } from '../../db/entities';

@ObjectType({ description: 'A problem with one row of an import.' })
export class RecordImportError {
  @Field(() => Int, { description: 'The data row, from 1: the CSV header is not counted; in JSON, the position in the array.' })
  row!: number;

  @Field(() => String, { nullable: true, description: 'The column (or JSON field) at fault; null when the whole row is.' })
  field!: string | null;

  @Field(() => String, { description: 'What is wrong, in a sentence.' })
  message!: string;

  @Field(() => String, { description: 'As extensions.code of an error: BAD_USER_INPUT, CONFLICT (a name taken, or repeated in the file), NOT_FOUND (the record type).' })
  code!: string;
}

@ObjectType({ description: 'What importRecords returns.' })
export class ImportRecordsPayload {
  @Field(() => Boolean, { description: 'True when nothing was written (the input asked for a dry run).' })
  dryRun!: boolean;

  @Field(() => Int, { description: 'How many records were created, or on a dry run would be; 0 when any row has a problem (then nothing is written).' })
  created!: number;

  @Field(() => [VaultRecord], { description: 'The first 100 records created, in the order of the rows; empty on a dry run.' })
  records!: VaultRecord[];

  @Field(() => [RecordImportError], { description: 'Every problem of every row; empty when the import was (or on a dry run would be) written.' })
  errors!: RecordImportError[];
}
