import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RegisteredServer } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { RegisterServerInput, RemoveRegisteredServerInput, UpdateRegisteredServerInput } from '../inputs/federation-inputs';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { type ConnectionShape, toConnection } from '../types/connection';
import { DeletedPayload } from '../types/deleted-payload';
import { RegisteredServerConnection, RegisteredServerPayload, ServerIdentity, ServerIdentityPayload } from '../types/federation-types';

@Authorized()
@Resolver(() => ServerIdentity)
export class ServerIdentityResolver {
  @Query(() => ServerIdentity, { description: 'This server’s name, public key, its fingerprint and URL: what a peer’s administrator registers.' })
  serverIdentity(@Ctx() context: StewardContext): Promise<ServerIdentity> {
    return context.services.serverIdentity.current();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ServerIdentityPayload, {
    description: 'Makes a new signing key. Until retirePreviousServerKey, everything is signed with the new and the old key, so peers keep accepting it until they are given the new one. A key from an earlier rotation that still signs is retired.',
  })
  async rotateServerKey(@Ctx() context: StewardContext): Promise<ServerIdentityPayload> {
    return { serverIdentity: await context.services.serverIdentity.rotateKey(currentActor(context)) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ServerIdentityPayload, { description: 'Stops signing with the key the last rotation replaced, if one still signs: do it once every peer has the new key.' })
  async retirePreviousServerKey(@Ctx() context: StewardContext): Promise<ServerIdentityPayload> {
    return { serverIdentity: await context.services.serverIdentity.retirePreviousKey(currentActor(context)) };
  }
}

@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => RegisteredServer)
export class RegisteredServerResolver {
  @Query(() => RegisteredServerConnection, { description: 'The peers this server trusts, newest first.', complexity: connectionComplexity })
  async registeredServers(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext): Promise<ConnectionShape<RegisteredServer>> {
    return toConnection(await context.services.registeredServers.list(page));
  }

  @Query(() => RegisteredServer, { description: 'One registered peer server by ID. Fails with NOT_FOUND when it does not exist.' })
  registeredServer(@Arg('id', () => ID, { description: 'The registered server’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<RegisteredServer> {
    return context.services.registeredServers.get(id);
  }

  @Mutation(() => RegisteredServerPayload, { description: 'Trusts a peer: its bundles are accepted when they verify with this key, and shared tasks are sent to it.' })
  async registerServer(@Arg('input', () => RegisterServerInput, { description: 'The peer’s name, GraphQL URL and public key.' }) input: RegisterServerInput, @Ctx() context: StewardContext): Promise<RegisteredServerPayload> {
    return { registeredServer: await context.services.registeredServers.register(currentActor(context), input) };
  }

  @Mutation(() => RegisteredServerPayload, { description: 'Changes a registration; a stale version is refused with CONFLICT. Disable a peer with enabled: false.' })
  async updateRegisteredServer(@Arg('input', () => UpdateRegisteredServerInput, { description: 'The registered server, the fields to change and the version you read.' }) input: UpdateRegisteredServerInput, @Ctx() context: StewardContext): Promise<RegisteredServerPayload> {
    const { id, version, ...changes } = input;
    return { registeredServer: await context.services.registeredServers.update(currentActor(context), id, changes, version) };
  }

  @Mutation(() => DeletedPayload, { description: 'Removes a registration; CONFLICT while tasks received from it are still here.' })
  async removeRegisteredServer(@Arg('input', () => RemoveRegisteredServerInput, { description: 'The registered server to remove and the version you read.' }) input: RemoveRegisteredServerInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.registeredServers.remove(currentActor(context), input.id, input.version);
    return { id: input.id };
  }
}
