import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { User, UserGroup } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { CreateUserGroupInput, RenameUserGroupInput, UserGroupMemberInput, UserGroupRefInput } from '../inputs/user-group-inputs';
import { toConnection } from '../types/connection';
import { UserGroupConnection } from '../types/connections';
import { DeletedPayload } from '../types/deleted-payload';

@ObjectType({ description: 'What a user group mutation returns.' })
export class UserGroupPayload {
  @Field(() => UserGroup, { description: 'The user group after the change, with its members.' })
  group!: UserGroup;
}

/** User groups are the administrators' business: they create them, fill them, and grant record permissions to them. */
@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => UserGroup)
export class UserGroupResolver {
  @Query(() => UserGroupConnection, { description: 'The user groups, newest first.', complexity: connectionComplexity })
  async userGroups(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext) {
    return toConnection(await context.services.userGroups.list(page));
  }

  @Query(() => UserGroup, { description: 'One user group by ID, with its members. Fails with NOT_FOUND when it does not exist.' })
  userGroup(@Arg('id', () => ID, { description: 'The user group’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<UserGroup> {
    return context.services.userGroups.get(id);
  }

  @FieldResolver(() => [User], { description: 'The members, by username.' })
  members(@Root() group: UserGroup, @Ctx() context: StewardContext): Promise<User[]> {
    return context.services.userGroups.members(group);
  }

  @Mutation(() => UserGroupPayload, { description: 'Creates an empty user group; grants to the group hold for every member.' })
  async createUserGroup(@Arg('input', () => CreateUserGroupInput, { description: 'The new user group’s name.' }) input: CreateUserGroupInput, @Ctx() context: StewardContext): Promise<UserGroupPayload> {
    return { group: await context.services.userGroups.create(currentActor(context), input.name) };
  }

  @Mutation(() => UserGroupPayload, { description: 'Renames a user group.' })
  async renameUserGroup(@Arg('input', () => RenameUserGroupInput, { description: 'The user group, its new name and the version you read.' }) input: RenameUserGroupInput, @Ctx() context: StewardContext): Promise<UserGroupPayload> {
    return { group: await context.services.userGroups.rename(currentActor(context), input.groupId, input.name, input.version) };
  }

  @Mutation(() => DeletedPayload, { description: 'Deletes a user group and every grant to it.' })
  async deleteUserGroup(@Arg('input', () => UserGroupRefInput, { description: 'The user group to delete.' }) input: UserGroupRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.userGroups.delete(currentActor(context), input.groupId);
    return { id: input.groupId };
  }

  @Mutation(() => UserGroupPayload, { description: 'Adds a user to a group; they hold its grants at once.' })
  async addUserGroupMember(@Arg('input', () => UserGroupMemberInput, { description: 'The user group and the user to add.' }) input: UserGroupMemberInput, @Ctx() context: StewardContext): Promise<UserGroupPayload> {
    return { group: await context.services.userGroups.addMember(currentActor(context), input.groupId, input.userId) };
  }

  @Mutation(() => UserGroupPayload, { description: 'Removes a user from a group; its grants stop holding for them at once.' })
  async removeUserGroupMember(@Arg('input', () => UserGroupMemberInput, { description: 'The user group and the user to remove from it.' }) input: UserGroupMemberInput, @Ctx() context: StewardContext): Promise<UserGroupPayload> {
    return { group: await context.services.userGroups.removeMember(currentActor(context), input.groupId, input.userId) };
  }
}
