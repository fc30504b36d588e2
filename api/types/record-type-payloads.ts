import { Field, ObjectType } from 'type-graphql';
import { RecordType } from '../../db/entities';

@ObjectType({ description: 'What createRecordType returns.' })
export class CreateRecordTypePayload {
  @Field(() => RecordType, { description: 'The new record type.' })
  recordType!: RecordType;
}

@ObjectType({ description: 'What updateRecordType returns.' })
export class RecordTypePayload {
  @Field(() => RecordType, { description: 'The record type after the change.' })
  recordType!: RecordType;
}
