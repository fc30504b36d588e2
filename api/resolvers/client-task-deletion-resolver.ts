import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { type StewardContext, currentUser } from '../context';
import { ClientTaskDeletionImpact, DeleteClientTaskInput, DeleteClientTaskPayload } from '../types/client-task-deletion-types';

@Authorized()
@Resolver()
export class ClientTaskDeletionResolver {
  @Query(() => ClientTaskDeletionImpact, { description: 'Before deleting a client task: the groups and systems its assignments reach, and its jobs in progress.' })
  clientTaskDeletionImpact(@Arg('clientTaskId', () => ID, { description: 'The client task whose deletion to assess.' }) clientTaskId: string, @Ctx() context: StewardContext): Promise<ClientTaskDeletionImpact> {
    return context.services.clientTaskDeletion.impact(currentUser(context), clientTaskId);
  }

  @Mutation(() => DeleteClientTaskPayload, {
    description: 'Deletes a client task with all its assignments in one transaction, and cancels its upcoming and running jobs. Its past runs stay in history.',
  })
  async deleteClientTask(@Arg('input', () => DeleteClientTaskInput, { description: 'The client task to delete and the version you read.' }) input: DeleteClientTaskInput, @Ctx() context: StewardContext): Promise<DeleteClientTaskPayload> {
    const impact = await context.services.clientTaskDeletion.delete(currentUser(context), input.clientTaskId, input.version);
    return { deletedClientTaskId: input.clientTaskId, impact };
  }
}
