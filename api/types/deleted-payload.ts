import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType()
export class DeletedPayload {
  @Field(() => ID)
  id!: string;
}
