import { Field, ObjectType } from 'type-graphql';
import { RecordType } from '../../db/entities';

@ObjectType()
export class CreateRecordTypePayload {
  @Field(() => RecordType)
  recordType!: RecordType;
}

@ObjectType()
export class RecordTypePayload {
  @Field(() => RecordType)
  recordType!: RecordType;
}
