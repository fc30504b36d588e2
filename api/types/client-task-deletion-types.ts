import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { IsInt, IsUUID, Min } from 'class-validator';

@ObjectType({ description: 'A group or system of the tree, by name.' })
export class NamedTreeNode {
  @Field(() => ID, { description: 'The group’s or system’s ID.' })
  id!: string;

  @Field(() => String, { description: 'The group’s or system’s name.' })
  name!: string;
}

@ObjectType({ description: 'What deleting a client task affects.' })
export class ClientTaskDeletionImpact {
  @Field(() => [NamedTreeNode], { description: 'Groups its assignments reach (where they are made, and below).' })
  groups!: NamedTreeNode[];

  @Field(() => [NamedTreeNode], { description: 'Systems where it is an effective task now.' })
  systems!: NamedTreeNode[];

  @Field(() => Int, { description: 'Assignments the delete removes.' })
  assignments!: number;

  @Field(() => Int, { description: 'Jobs of its runs not yet ended; the delete cancels them.' })
  openJobs!: number;
}

@InputType({ description: 'Deletes a client task; clientTaskDeletionImpact tells beforehand what goes with it.' })
export class DeleteClientTaskInput {
  @Field(() => ID, { description: 'The client task to delete.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => Int, { description: 'The version you saw; a task changed since is not deleted (CONFLICT).' })
  @IsInt()
  @Min(1)
  version!: number;
}

@ObjectType({ description: 'What deleteClientTask returns.' })
export class DeleteClientTaskPayload {
  @Field(() => ID, { description: 'The ID the deleted client task had.' })
  deletedClientTaskId!: string;

  @Field(() => ClientTaskDeletionImpact, { description: 'What the delete affected.' })
  impact!: ClientTaskDeletionImpact;
}
