import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ManagedSystem, SystemGroup } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor, currentUser } from '../context';
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

  @Query(() => SystemGroup, { description: 'One system group by ID. Fails with NOT_FOUND when it does not exist.' })
  group(@Arg('id', () => ID, { description: 'The system group’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<SystemGroup> {
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
  @Mutation(() => GroupPayload, { description: 'Creates a system group under a parent group, or at the top of the system tree. Needs SYSTEM_ADMINISTRATOR.' })
  async createGroup(@Arg('input', () => CreateGroupInput, { description: 'The new group’s name and parent.' }) input: CreateGroupInput, @Ctx() context: StewardContext): Promise<GroupPayload> {
    return { group: await context.services.systemTree.createGroup(currentActor(context), input.name, input.parentId) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => GroupPayload, { description: 'Renames a system group.' })
  async renameGroup(@Arg('input', () => RenameGroupInput, { description: 'The system group, its new name and the version you read.' }) input: RenameGroupInput, @Ctx() context: StewardContext): Promise<GroupPayload> {
    return { group: await context.services.systemTree.renameGroup(currentActor(context), input.groupId, input.name, input.version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => GroupPayload, { description: 'Moves a group, with its subgroups and systems, under another group. A move that would make a cycle is refused.' })
  async moveGroup(@Arg('input', () => MoveGroupInput, { description: 'The system group, its new parent and the version you read.' }) input: MoveGroupInput, @Ctx() context: StewardContext): Promise<GroupPayload> {
    return { group: await context.services.systemTree.moveGroup(currentActor(context), input.groupId, input.parentId, input.version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeleteGroupPayload, { description: 'Deletes an empty group; one that still holds subgroups or systems is refused with CONFLICT.' })
  async deleteGroup(@Arg('input', () => DeleteGroupInput, { description: 'The system group to delete.' }) input: DeleteGroupInput, @Ctx() context: StewardContext): Promise<DeleteGroupPayload> {
    return { deletedGroupId: await context.services.systemTree.deleteGroup(currentActor(context), input.groupId) };
  }
}

@Authorized()
@Resolver(() => ManagedSystem)
export class ManagedSystemResolver {
  @Query(() => ManagedSystem, { description: 'One managed system by ID. Fails with NOT_FOUND when it does not exist.' })
  system(@Arg('id', () => ID, { description: 'The managed system’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<ManagedSystem> {
    return context.services.systemTree.getSystem(id);
  }

  @FieldResolver(() => SystemGroup, { description: 'The system group it sits in.' })
  group(@Root() system: ManagedSystem, @Ctx() context: StewardContext): Promise<SystemGroup> {
    return context.services.systemTree.getGroup(system.group.id);
  }

  // Every signed-in user reads the tree, so the record's ID, which tells that it exists, goes only to those who may view it.
  @FieldResolver(() => ID, { nullable: true, description: 'The vault record whose account Steward uses to reach the system; null too when you may not view it.' })
  async credentialRecordId(@Root() system: ManagedSystem, @Ctx() context: StewardContext): Promise<string | null> {
    const record = await system.credentialRecord?.load();
    return record ? ((await context.services.access.viewableOrNull(currentUser(context), record))?.id ?? null) : null;
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SystemPayload, { description: 'Adds a managed system to a group of the system tree.' })
  async createSystem(@Arg('input', () => CreateSystemInput, { description: 'The new system’s group, name, host, port, host key and time zone.' }) input: CreateSystemInput, @Ctx() context: StewardContext): Promise<SystemPayload> {
    return { system: await context.services.systemTree.createSystem(currentActor(context), input) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SystemPayload, { description: 'Changes a managed system; fields left out keep their values.' })
  async updateSystem(@Arg('input', () => UpdateSystemInput, { description: 'The managed system, the fields to change and the version you read.' }) input: UpdateSystemInput, @Ctx() context: StewardContext): Promise<SystemPayload> {
    const { systemId, version, ...changes } = input;
    return { system: await context.services.systemTree.updateSystem(currentActor(context), systemId, changes, version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SystemPayload, { description: 'Moves a managed system to another group; the assignments it inherits then come from its new place in the tree.' })
  async moveSystem(@Arg('input', () => MoveSystemInput, { description: 'The managed system, its new group and the version you read.' }) input: MoveSystemInput, @Ctx() context: StewardContext): Promise<SystemPayload> {
    return { system: await context.services.systemTree.moveSystem(currentActor(context), input.systemId, input.groupId, input.version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeleteSystemPayload, { description: 'Deletes a managed system from the system tree.' })
  async deleteSystem(@Arg('input', () => DeleteSystemInput, { description: 'The managed system to delete.' }) input: DeleteSystemInput, @Ctx() context: StewardContext): Promise<DeleteSystemPayload> {
    return { deletedSystemId: await context.services.systemTree.deleteSystem(currentActor(context), input.systemId) };
  }
}
