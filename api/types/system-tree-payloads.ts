import { Field, ID, ObjectType } from 'type-graphql';
import { ManagedSystem, SystemGroup } from '../../db/entities';

@ObjectType({ description: 'What a system group mutation returns.' })
export class GroupPayload {
  @Field(() => SystemGroup, { description: 'The system group after the change.' })
  group!: SystemGroup;
}

@ObjectType({ description: 'What deleteGroup returns.' })
export class DeleteGroupPayload {
  @Field(() => ID, { description: 'The ID the deleted group had.' })
  deletedGroupId!: string;
}

@ObjectType({ description: 'What a managed system mutation returns.' })
export class SystemPayload {
  @Field(() => ManagedSystem, { description: 'The managed system after the change.' })
  system!: ManagedSystem;
}

@ObjectType({ description: 'What deleteSystem returns.' })
export class DeleteSystemPayload {
  @Field(() => ID, { description: 'The ID the deleted system had.' })
  deletedSystemId!: string;
}
