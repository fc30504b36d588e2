import { Field, ID, ObjectType } from 'type-graphql';
import { ManagedSystem, SystemGroup } from '../../db/entities';

@ObjectType()
export class GroupPayload {
  @Field(() => SystemGroup)
  group!: SystemGroup;
}

@ObjectType()
export class DeleteGroupPayload {
  @Field(() => ID)
  deletedGroupId!: string;
}

@ObjectType()
export class SystemPayload {
  @Field(() => ManagedSystem)
  system!: ManagedSystem;
}

@ObjectType()
export class DeleteSystemPayload {
  @Field(() => ID)
  deletedSystemId!: string;
}
