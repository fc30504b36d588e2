import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ManagedSystem, SystemGroup } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { costedAsOneItem } from '../query-limits';
import {
  CreateGroupInput,
  CreateSystemInput,
  DeleteGroupInput,
  DeleteSystemInput,
  MoveGroupInput,
  MoveSystemInput,
  RenameGroupInput,
  UpdateSystemInput,
} from '../inputs/system-tree-inputs';
import { DeleteGroupPayload, DeleteSystemPayload, GroupPayload, SystemPayload } from '../types/system-tree-payloads';

@Authorized()
@Resolver(() => SystemGroup)
export class SystemGroupResolver {
  @Query(() => [SystemGroup], {
    description: 'The top of the system tree (the root group, "My Organization"); walk down with children and systems.',
    complexity: costedAsOneItem,
  })
  systemTree(@Ctx() context: StewardContext): Promise<SystemGroup[]> {
    return context.services.systemTree.roots();
  }

  @Query(() => SystemGroup)
  group(@Arg('id', () => ID) id: string, @Ctx() context: StewardContext): Promise<SystemGroup> {
    return context.services.systemTree.getGroup(id);
  }

  @FieldResolver(() => SystemGroup, { nullable: true, description: 'The parent group; null for the root.' })
  async parent(@Root() group: SystemGroup, @Ctx() context: StewardContext): Promise<SystemGroup | null> {
    return group.parent ? context.services.systemTree.getGroup(group.parent.id) : null;
  }

  @FieldResolver(() => [SystemGroup], { description: 'The subgroups, by name.' })
  children(@Root() group: SystemGroup, @Ctx() context: StewardContext): Promise<SystemGroup[]> {
    return context.services.systemTree.children(group);
  }

  @FieldResolver(() => [ManagedSystem], { description: 'The systems directly in this group, by name.' })
  systems(@Root() group: SystemGroup, @Ctx() context: StewardContext): Promise<ManagedSystem[]> {
    return context.services.systemTree.systems(group);
  }

  @FieldResolver(() => [SystemGroup], { description: 'The groups from the root down to this one, inclusive.' })
  path(@Root() group: SystemGroup, @Ctx() context: StewardContext): Promise<SystemGroup[]> {
    return context.services.systemTree.path(group);
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => GroupPayload)
  async createGroup(@Arg('input', () => CreateGroupInput) input: CreateGroupInput, @Ctx() context: StewardContext): Promise<GroupPayload> {
    return { group: await context.services.systemTree.createGroup(currentActor(context), input.name, input.parentId) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => GroupPayload)
  async renameGroup(@Arg('input', () => RenameGroupInput) input: RenameGroupInput, @Ctx() context: StewardContext): Promise<GroupPayload> {
    return { group: await context.services.systemTree.renameGroup(currentActor(context), input.groupId, input.name, input.version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => GroupPayload, { description: 'Moves a group, with its subgroups and systems, under another group. A move that would make a cycle is refused.' })
  async moveGroup(@Arg('input', () => MoveGroupInput) input: MoveGroupInput, @Ctx() context: StewardContext): Promise<GroupPayload> {
    return { group: await context.services.systemTree.moveGroup(currentActor(context), input.groupId, input.parentId, input.version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeleteGroupPayload, { description: 'Deletes an empty group; one that still holds subgroups or systems is refused with CONFLICT.' })
  async deleteGroup(@Arg('input', () => DeleteGroupInput) input: DeleteGroupInput, @Ctx() context: StewardContext): Promise<DeleteGroupPayload> {
    return { deletedGroupId: await context.services.systemTree.deleteGroup(currentActor(context), input.groupId) };
  }
}

@Authorized()
@Resolver(() => ManagedSystem)
export class ManagedSystemResolver {
  @Query(() => ManagedSystem)
  system(@Arg('id', () => ID) id: string, @Ctx() context: StewardContext): Promise<ManagedSystem> {
    return context.services.systemTree.getSystem(id);
  }

  @FieldResolver(() => SystemGroup)
  group(@Root() system: ManagedSystem, @Ctx() context: StewardContext): Promise<SystemGroup> {
    return context.services.systemTree.getGroup(system.group.id);
  }

  @FieldResolver(() => ID, { nullable: true, description: 'The vault record whose account Steward uses to reach the system.' })
  credentialRecordId(@Root() system: ManagedSystem): string | null {
    return system.credentialRecord?.id ?? null;
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SystemPayload)
  async createSystem(@Arg('input', () => CreateSystemInput) input: CreateSystemInput, @Ctx() context: StewardContext): Promise<SystemPayload> {
    return { system: await context.services.systemTree.createSystem(currentActor(context), input) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SystemPayload)
  async updateSystem(@Arg('input', () => UpdateSystemInput) input: UpdateSystemInput, @Ctx() context: StewardContext): Promise<SystemPayload> {
    const { systemId, version, ...changes } = input;
    return { system: await context.services.systemTree.updateSystem(currentActor(context), systemId, changes, version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SystemPayload)
  async moveSystem(@Arg('input', () => MoveSystemInput) input: MoveSystemInput, @Ctx() context: StewardContext): Promise<SystemPayload> {
    return { system: await context.services.systemTree.moveSystem(currentActor(context), input.systemId, input.groupId, input.version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeleteSystemPayload)
  async deleteSystem(@Arg('input', () => DeleteSystemInput) input: DeleteSystemInput, @Ctx() context: StewardContext): Promise<DeleteSystemPayload> {
    return { deletedSystemId: await context.services.systemTree.deleteSystem(currentActor(context), input.systemId) };
  }
}
