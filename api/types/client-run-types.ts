import { Field, Int, ObjectType } from 'type-graphql';
import { ClientRun } from '../../db/entities';
import { Connection } from './connection';

export const ClientRunConnection = Connection(ClientRun, 'ClientRun');

@ObjectType({ description: 'How many jobs of a run are in each state, for a console to poll.' })
export class ClientRunCounts {
  @Field(() => Int, { description: 'Every job of the run: one per targeted system.' })
  targeted!: number;

  @Field(() => Int, { description: 'Waiting for their start time or their turn on the system.' })
  pending!: number;

  @Field(() => Int)
  running!: number;

  @Field(() => Int)
  completed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  cancelled!: number;

  @Field(() => Int, { description: 'Systems whose OS the task type does not support.' })
  incompatible!: number;
}

@ObjectType()
export class ClientRunPayload {
  @Field(() => ClientRun)
  run!: ClientRun;
}
