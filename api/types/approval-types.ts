import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { ClientTask, ClientTaskChange, PermissionSet, User } from '../../db/entities';
import { Connection } from './connection';

export const ClientTaskChangeConnection = Connection(ClientTaskChange, 'ClientTaskChange');

@ObjectType({ description: 'One setting of a proposed change next to the approved version.' })
export class ClientTaskSettingDiff {
  @Field(() => String)
  key!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The approved value; null when the approved version does not set it, or the task was never approved.' })
  approved!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The proposed value; null when the change removes it.' })
  proposed!: unknown;

  @Field(() => Boolean)
  same!: boolean;
}

@ObjectType()
export class ClientTaskChangePayload {
  @Field(() => ClientTaskChange)
  change!: ClientTaskChange;

  @Field(() => ClientTask, { description: 'The task after the decision: its approved version.' })
  clientTask!: ClientTask;
}

@ObjectType()
export class ClientTaskApprovalSettingPayload {
  @Field(() => Boolean)
  clientTaskApprovalRequired!: boolean;
}

@ObjectType()
export class PermissionSetPayload {
  @Field(() => PermissionSet)
  permissionSet!: PermissionSet;
}

@ObjectType()
export class DeletePermissionSetPayload {
  @Field(() => ID)
  deletedPermissionSetId!: string;
}

@ObjectType()
export class PermissionSetUserPayload {
  @Field(() => PermissionSet)
  permissionSet!: PermissionSet;

  @Field(() => User)
  user!: User;
}
