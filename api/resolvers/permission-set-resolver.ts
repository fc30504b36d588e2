import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PermissionSet, PermissionSetGrant, Product, User } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { CreatePermissionSetInput, DeletePermissionSetInput, PermissionSetUserInput, UpdatePermissionSetInput } from '../inputs/approval-inputs';
import { DeletePermissionSetPayload, PermissionSetPayload, PermissionSetUserPayload } from '../types/approval-types';

/** Permission sets are the administrators' business: only they read and change them. */
@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => PermissionSet)
export class PermissionSetResolver {
  @Query(() => [PermissionSet], { description: 'Every permission set, by name.' })
  permissionSets(@Ctx() context: StewardContext): Promise<PermissionSet[]> {
    return context.services.permissionSets.list();
  }

  @FieldResolver(() => [PermissionSetGrant], { description: 'Per product, what the set allows; products without a grant are out of reach.' })
  grants(@Root() set: PermissionSet, @Ctx() context: StewardContext): Promise<PermissionSetGrant[]> {
    return context.services.permissionSets.grantsOf(set);
  }

  @FieldResolver(() => [User], { description: 'The users holding the set.' })
  users(@Root() set: PermissionSet, @Ctx() context: StewardContext): Promise<User[]> {
    return context.services.permissionSets.usersOf(set);
  }

  @Mutation(() => PermissionSetPayload, { description: 'Creates a permission set: what its users may do with each product’s client tasks.' })
  async createPermissionSet(@Arg('input', () => CreatePermissionSetInput, { description: 'The new permission set’s name, description and product grants.' }) input: CreatePermissionSetInput, @Ctx() context: StewardContext): Promise<PermissionSetPayload> {
    return { permissionSet: await context.services.permissionSets.create(currentActor(context), input.name, input.description, input.grants) };
  }

  @Mutation(() => PermissionSetPayload, { description: 'Changes a permission set; grants, when given, replace all of its grants. A stale version is refused with CONFLICT.' })
  async updatePermissionSet(@Arg('input', () => UpdatePermissionSetInput, { description: 'The permission set, the fields to change and the version you read.' }) input: UpdatePermissionSetInput, @Ctx() context: StewardContext): Promise<PermissionSetPayload> {
    const { permissionSetId, version, ...changes } = input;
    return { permissionSet: await context.services.permissionSets.update(currentActor(context), permissionSetId, changes, version) };
  }

  @Mutation(() => DeletePermissionSetPayload, { description: 'Deletes a permission set; its users lose what it granted.' })
  async deletePermissionSet(@Arg('input', () => DeletePermissionSetInput, { description: 'The permission set to delete.' }) input: DeletePermissionSetInput, @Ctx() context: StewardContext): Promise<DeletePermissionSetPayload> {
    return { deletedPermissionSetId: await context.services.permissionSets.delete(currentActor(context), input.permissionSetId) };
  }

  @Mutation(() => PermissionSetUserPayload, { description: 'Gives a user a permission set; giving it again changes nothing.' })
  async assignPermissionSet(@Arg('input', () => PermissionSetUserInput, { description: 'The permission set and the user to assign it to.' }) input: PermissionSetUserInput, @Ctx() context: StewardContext): Promise<PermissionSetUserPayload> {
    return context.services.permissionSets.assign(currentActor(context), input.permissionSetId, input.userId);
  }

  @Mutation(() => PermissionSetUserPayload, { description: 'Takes a permission set from a user.' })
  async unassignPermissionSet(@Arg('input', () => PermissionSetUserInput, { description: 'The permission set and the user to take it from.' }) input: PermissionSetUserInput, @Ctx() context: StewardContext): Promise<PermissionSetUserPayload> {
    return context.services.permissionSets.unassign(currentActor(context), input.permissionSetId, input.userId);
  }
}

@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => PermissionSetGrant)
export class ProductGrantResolver {
  @FieldResolver(() => Product, { description: 'The product whose client tasks the grant covers.' })
  product(@Root() grant: PermissionSetGrant): Promise<Product> {
    return grant.product.loadOrFail();
  }
}
