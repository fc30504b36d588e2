import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { ClientTask, RegisteredServer, User } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentUser } from '../context';
import { SetClientTaskSharedInput, TransferClientTaskOwnershipInput } from '../inputs/federation-inputs';
import { ClientTaskSharingPayload } from '../types/federation-types';

/** Owners, sharing and origins of client tasks; the rest of ClientTask is in client-catalog-resolver.ts. */
@Authorized()
@Resolver(() => ClientTask)
export class ClientTaskSharingResolver {
  @FieldResolver(() => User, { nullable: true, description: 'Who created the task or was given it; while it is shared, the only one who may change it. Null for a received task.' })
  owner(@Root() task: ClientTask, @Ctx() context: StewardContext): Promise<User | null> {
    return context.services.clientTaskSharing.owner(task);
  }

  @FieldResolver(() => RegisteredServer, { nullable: true, description: 'The server this task was received from (read-only here); null for a task created on this server.' })
  origin(@Root() task: ClientTask, @Ctx() context: StewardContext): Promise<RegisteredServer | null> {
    return task.origin ? context.services.registeredServers.get(task.origin.id) : Promise.resolve(null);
  }

  @Mutation(() => ClientTaskSharingPayload, {
    description: 'Marks a task shared with the registered servers (needs EDIT on its product), or unshares it, which withdraws it from them (only its owner may). FORBIDDEN for a received task.',
  })
  async setClientTaskShared(@Arg('input', () => SetClientTaskSharedInput, { description: 'The client task, whether it is shared, and the version you read.' }) input: SetClientTaskSharedInput, @Ctx() context: StewardContext): Promise<ClientTaskSharingPayload> {
    return { clientTask: await context.services.clientTaskSharing.setShared(currentUser(context), input.clientTaskId, input.shared, input.version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ClientTaskSharingPayload, { description: 'Gives a task to another user, who becomes the only one who may change it while it is shared.' })
  async transferClientTaskOwnership(@Arg('input', () => TransferClientTaskOwnershipInput, { description: 'The client task, its new owner and the version you read.' }) input: TransferClientTaskOwnershipInput, @Ctx() context: StewardContext): Promise<ClientTaskSharingPayload> {
    return { clientTask: await context.services.clientTaskSharing.transferOwnership(currentUser(context), input.clientTaskId, input.ownerId, input.version) };
  }
}
