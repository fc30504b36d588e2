import { GraphQLJSON } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { ClientTask, Product } from '../../db/entities';
import { Connection } from './connection';

export const ClientTaskConnection = Connection(ClientTask, 'ClientTask');

@ObjectType({ description: 'One setting of two compared client tasks.' })
export class SettingComparison {
  @Field(() => String)
  key!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The left task’s value; null when it does not set it.' })
  left!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The right task’s value; null when it does not set it.' })
  right!: unknown;

  @Field(() => Boolean)
  same!: boolean;
}

@ObjectType()
export class CheckInProductPayload {
  @Field(() => Product)
  product!: Product;
}

@ObjectType()
export class ClientTaskPayload {
  @Field(() => ClientTask)
  clientTask!: ClientTask;
}
