import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What a delete or remove mutation returns: the ID of what is gone.' })
export class DeletedPayload {
  @Field(() => ID, { description: 'The ID the deleted object had.' })
  id!: string;
}
