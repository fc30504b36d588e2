import { Field, ObjectType } from 'type-graphql';
import { RecordDependency } from '../../db/entities';

@ObjectType({ description: 'What addRecordDependency and updateRecordDependency return.' })
export class RecordDependencyPayload {
  @Field(() => RecordDependency, { description: 'The record dependency after the change.' })
  dependency!: RecordDependency;
}
