import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The value a record holds for one custom field of its type.' })
export class RecordFieldValue {
  @Field(() => String, { description: 'The field’s key, as its record type declares it.' })
  name!: string;

  @Field(() => String, { description: 'The value; for ENUM fields one of the declared allowed values.' })
  value!: string;
}
