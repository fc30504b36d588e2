import { GraphQLJSON } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { ClientTask, ClientTaskChange, Product } from '../../db/entities';
import { Connection } from './connection';

export const ClientTaskConnection = Connection(ClientTask, 'ClientTask');

@ObjectType({ description: 'One setting of two compared client tasks.' })
export class SettingComparison {
  @Field(() => String, { description: 'The setting’s name, as the task type declares it.' })
  key!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The left task’s value; null when it does not set it.' })
  left!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The right task’s value; null when it does not set it.' })
  right!: unknown;

  @Field(() => Boolean, { description: 'True when both tasks have the same value.' })
  same!: boolean;
}

@ObjectType({ description: 'What checkInProduct returns.' })
export class CheckInProductPayload {
  @Field(() => Product, { description: 'The product as stored, with its task types.' })
  product!: Product;
}

@ObjectType({ description: 'A created or changed client task: applied at once, or awaiting approval.' })
export class ClientTaskPayload {
  @Field(() => ClientTask, { description: 'The task’s approved version; a creation awaiting approval is a task at approvedRevision 0.' })
  clientTask!: ClientTask;

  @Field(() => Boolean, { description: 'True when the write took effect now; false when it awaits approval as pendingChange.' })
  applied!: boolean;

  @Field(() => ClientTaskChange, { nullable: true, description: 'The change awaiting approval, when applied is false.' })
  pendingChange!: ClientTaskChange | null;
}
