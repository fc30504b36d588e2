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

  @Field(() => Int, { description: 'Jobs running on their system now.' })
  running!: number;

  @Field(() => Int, { description: 'Jobs that finished successfully.' })
  completed!: number;

  @Field(() => Int, { description: 'Jobs that ended in Error.' })
  failed!: number;

  @Field(() => Int, { description: 'Jobs cancelled, one by one or with the whole run.' })
  cancelled!: number;

  @Field(() => Int, { description: 'Systems whose OS the task type does not support.' })
  incompatible!: number;
}

@ObjectType({ description: 'What a mutation on a client task run returns.' })
export class ClientRunPayload {
  @Field(() => ClientRun, { description: 'The client task run after the change (for relaunchClientRun, the new run).' })
  run!: ClientRun;
}
