import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ClientTask, ClientTaskChange, ClientTaskType, Product } from '../../db/entities';
import { Role } from '../../lib/enums';
import type { ClientTaskWrite } from '../../services/client-tasks/catalog-service';
import { type StewardContext, currentActor, currentUser } from '../context';
import {
  CheckInProductInput,
  ClientTaskFilterInput,
  CreateClientTaskInput,
  DuplicateClientTaskInput,
  SetClientTaskEnabledInput,
  UpdateClientTaskInput,
} from '../inputs/client-catalog-inputs';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { CheckInProductPayload, ClientTaskConnection, ClientTaskPayload, SettingComparison } from '../types/client-catalog-types';
import { type ConnectionShape, toConnection } from '../types/connection';

function writePayload(write: ClientTaskWrite): ClientTaskPayload {
  return { ...write, applied: write.pendingChange === null };
}

@Authorized()
@Resolver(() => Product)
export class ProductResolver {
  @Query(() => [Product], { description: 'The checked-in products and their client task types.' })
  products(@Ctx() context: StewardContext): Promise<Product[]> {
    return context.services.clientCatalog.products();
  }

  @FieldResolver(() => [ClientTaskType], { description: 'The client task types the product declares.' })
  taskTypes(@Root() product: Product, @Ctx() context: StewardContext): Promise<ClientTaskType[]> {
    return context.services.clientCatalog.taskTypes(product);
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CheckInProductPayload, {
    description: 'Checks in a product: adds it with its task types, or updates them from a newer version. A malformed manifest or invalid schema changes nothing.',
  })
  async checkInProduct(@Arg('input', () => CheckInProductInput, { description: 'The product manifest.' }) input: CheckInProductInput, @Ctx() context: StewardContext): Promise<CheckInProductPayload> {
    return { product: await context.services.clientCatalog.checkInProduct(currentActor(context), input.manifest) };
  }
}

@Authorized()
@Resolver(() => ClientTaskType)
export class ClientTaskTypeResolver {
  @FieldResolver(() => Product, { description: 'The product that declares this task type.' })
  product(@Root() taskType: ClientTaskType, @Ctx() context: StewardContext): Promise<Product> {
    return context.services.clientCatalog.product(taskType.product.id);
  }
}

@Authorized()
@Resolver(() => ClientTask)
export class ClientTaskResolver {
  @Query(() => ClientTaskConnection, { description: 'The client task catalog, newest first.', complexity: connectionComplexity })
  async clientTasks(
    @Arg('filter', () => ClientTaskFilterInput, { nullable: true, description: 'Narrows the list; every client task you may see when omitted.' }) filter: ClientTaskFilterInput | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<ClientTask>> {
    return toConnection(await context.services.clientCatalog.listClientTasks(currentUser(context), filter ?? {}, page));
  }

  @Query(() => ClientTask, { description: 'FORBIDDEN unless your permission sets let you view the task’s product.' })
  clientTask(@Arg('id', () => ID, { description: 'The client task’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<ClientTask> {
    return context.services.clientCatalog.viewClientTask(currentUser(context), id);
  }

  @Query(() => [SettingComparison], { description: 'Two client tasks of the same type, compared setting by setting.' })
  compareClientTasks(@Arg('leftId', () => ID, { description: 'The first client task to compare.' }) leftId: string, @Arg('rightId', () => ID, { description: 'The second client task to compare; must be of the same task type as leftId.' }) rightId: string, @Ctx() context: StewardContext): Promise<SettingComparison[]> {
    return context.services.clientCatalog.compareClientTasks(currentUser(context), leftId, rightId);
  }

  @FieldResolver(() => ClientTaskType, { description: 'The client task type (of a product) this task configures.' })
  taskType(@Root() task: ClientTask, @Ctx() context: StewardContext): Promise<ClientTaskType> {
    return context.services.clientCatalog.taskType(task.taskType.id);
  }

  @FieldResolver(() => ClientTaskChange, { nullable: true, description: 'The change awaiting approval, if any; the task keeps its approved version until it is approved.' })
  pendingChange(@Root() task: ClientTask, @Ctx() context: StewardContext): Promise<ClientTaskChange | null> {
    return context.services.approvals.pendingChangeOf(task);
  }

  @Mutation(() => ClientTaskPayload, { description: 'Needs EDIT on the type’s product. When the user’s edits need approval, the task is created at approvedRevision 0, disabled, with its creation pending.' })
  async createClientTask(@Arg('input', () => CreateClientTaskInput, { description: 'The task type, name and settings of the new client task.' }) input: CreateClientTaskInput, @Ctx() context: StewardContext): Promise<ClientTaskPayload> {
    return writePayload(await context.services.clientCatalog.createClientTask(currentUser(context), input.taskTypeId, input.name, input.settings));
  }

  @Mutation(() => ClientTaskPayload, { description: 'Changes a client task, or proposes the change for approval; a stale version is refused with CONFLICT, and so is a second pending change.' })
  async updateClientTask(@Arg('input', () => UpdateClientTaskInput, { description: 'The client task, the fields to change and the version you read.' }) input: UpdateClientTaskInput, @Ctx() context: StewardContext): Promise<ClientTaskPayload> {
    const { clientTaskId, version, ...changes } = input;
    return writePayload(await context.services.clientCatalog.updateClientTask(currentUser(context), clientTaskId, changes, version));
  }

  @Mutation(() => ClientTaskPayload, { description: 'Copies a client task under a new name; the copy starts disabled. A creation like any other, so it may await approval.' })
  async duplicateClientTask(@Arg('input', () => DuplicateClientTaskInput, { description: 'The client task to copy and the copy’s name.' }) input: DuplicateClientTaskInput, @Ctx() context: StewardContext): Promise<ClientTaskPayload> {
    return writePayload(await context.services.clientCatalog.duplicateClientTask(currentUser(context), input.clientTaskId, input.name));
  }

  @Mutation(() => ClientTaskPayload, { description: 'Enabling may await approval; disabling always applies at once.' })
  async setClientTaskEnabled(@Arg('input', () => SetClientTaskEnabledInput, { description: 'The client task and whether it is enabled.' }) input: SetClientTaskEnabledInput, @Ctx() context: StewardContext): Promise<ClientTaskPayload> {
    return writePayload(await context.services.clientCatalog.setClientTaskEnabled(currentUser(context), input.clientTaskId, input.enabled));
  }
}
