import { Field, ObjectType } from 'type-graphql';
import { ServerSettings, WorkerNode } from '../../db/entities';

@ObjectType({ description: 'What registerNode returns.' })
export class RegisterNodePayload {
  @Field(() => WorkerNode, { description: 'The new worker node.' })
  node!: WorkerNode;
}

@ObjectType({ description: 'What updateFallbackSettings returns.' })
export class UpdateFallbackSettingsPayload {
  @Field(() => ServerSettings, { description: 'The fallback settings after the change.' })
  settings!: ServerSettings;
}
