import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ServerSettings, WorkerNode } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { RegisterNodeInput, UpdateFallbackSettingsInput } from '../inputs/engine-inputs';
import { RegisterNodePayload, UpdateFallbackSettingsPayload } from '../types/engine-payloads';

/** A node is online while its workers keep reporting (every 30 seconds). */
const ONLINE_WITHIN_MS = 90_000;

@Authorized()
@Resolver(() => WorkerNode)
export class NodeResolver {
  // Not `nodes`: Relay reserves `node` and `nodes` on the root type for refetching by global ID.
  @Query(() => [WorkerNode], { description: 'The worker nodes; "local" is the Steward server itself.' })
  workerNodes(@Ctx() context: StewardContext): Promise<WorkerNode[]> {
    return context.services.nodes.list();
  }

  @FieldResolver(() => Boolean, { description: 'Whether a worker of this node reported itself in the last 90 seconds.' })
  online(@Root() node: WorkerNode): boolean {
    return !!node.lastSeenAt && Date.now() - node.lastSeenAt.getTime() < ONLINE_WITHIN_MS;
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => RegisterNodePayload, { description: 'Registers a remote worker node; start its worker with STEWARD_NODE=<name>.' })
  async registerNode(@Arg('input', () => RegisterNodeInput, { description: 'The new worker node’s name and description.' }) input: RegisterNodeInput, @Ctx() context: StewardContext): Promise<RegisterNodePayload> {
    return { node: await context.services.nodes.register(currentActor(context), input.name, input.description) };
  }
}

@Authorized()
@Resolver(() => ServerSettings)
export class FallbackSettingsResolver {
  @Query(() => ServerSettings, { description: 'How failed jobs are re-run as Fallback jobs.' })
  fallbackSettings(@Ctx() context: StewardContext): Promise<ServerSettings> {
    return context.services.fallback.settings();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => UpdateFallbackSettingsPayload, { description: 'Changes the fallback settings: whether a job that ended in Error is re-run, how often and how many times.' })
  async updateFallbackSettings(
    @Arg('input', () => UpdateFallbackSettingsInput, { description: 'The new fallback settings and the version you read.' }) input: UpdateFallbackSettingsInput,
    @Ctx() context: StewardContext,
  ): Promise<UpdateFallbackSettingsPayload> {
    return { settings: await context.services.fallback.updateSettings(currentActor(context), input) };
  }
}
