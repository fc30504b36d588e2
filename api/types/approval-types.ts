import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { ClientTask, ClientTaskChange, PermissionSet, User } from '../../db/entities';
import { Connection } from './connection';

export const ClientTaskChangeConnection = Connection(ClientTaskChange, 'ClientTaskChange');

@ObjectType({ description: 'One setting of a proposed change next to the approved version.' })
export class ClientTaskSettingDiff {
  @Field(() => String, { description: 'The setting’s name, as the task type declares it.' })
  key!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The approved value; null when the approved version does not set it, or the task was never approved.' })
  approved!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The proposed value; null when the change removes it.' })
  proposed!: unknown;

  @Field(() => Boolean, { description: 'True when the proposed value equals the approved one.' })
  same!: boolean;
}

@ObjectType({ description: 'What approveClientTaskChange and rejectClientTaskChange return.' })
export class ClientTaskChangePayload {
  @Field(() => ClientTaskChange, { description: 'The change, now APPROVED or REJECTED.' })
  change!: ClientTaskChange;

  @Field(() => ClientTask, { description: 'The task after the decision: its approved version.' })
  clientTask!: ClientTask;
}

@ObjectType({ description: 'What setClientTaskApprovalRequired returns.' })
export class ClientTaskApprovalSettingPayload {
  @Field(() => Boolean, { description: 'Whether changes to client tasks now need approval before they apply.' })
  clientTaskApprovalRequired!: boolean;
}

@ObjectType({ description: 'What createPermissionSet and updatePermissionSet return.' })
export class PermissionSetPayload {
  @Field(() => PermissionSet, { description: 'The permission set after the change.' })
  permissionSet!: PermissionSet;
}

@ObjectType({ description: 'What deletePermissionSet returns.' })
export class DeletePermissionSetPayload {
  @Field(() => ID, { description: 'The ID the deleted permission set had.' })
  deletedPermissionSetId!: string;
}

@ObjectType({ description: 'What assignPermissionSet and unassignPermissionSet return.' })
export class PermissionSetUserPayload {
  @Field(() => PermissionSet, { description: 'The permission set after the change.' })
  permissionSet!: PermissionSet;

  @Field(() => User, { description: 'The user after the change.' })
  user!: User;
}
