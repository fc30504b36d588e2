import { Field, ObjectType } from 'type-graphql';
import { ServerSettings, WorkerNode } from '../../db/entities';

@ObjectType()
export class RegisterNodePayload {
  @Field(() => WorkerNode)
  node!: WorkerNode;
}

@ObjectType()
export class UpdateFallbackSettingsPayload {
  @Field(() => ServerSettings)
  settings!: ServerSettings;
}
