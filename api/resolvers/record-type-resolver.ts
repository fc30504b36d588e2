import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RecordGrant, RecordType, Task } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor, currentUser } from '../context';
import { CreateRecordTypeInput, RecordTypeRefInput, UpdateRecordTypeInput } from '../inputs/record-type-inputs';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { toTaskSpec } from '../inputs/task-spec-input';
import { toConnection } from '../types/connection';
import { RecordTypeConnection } from '../types/connections';
import { CreateRecordTypePayload, RecordTypePayload } from '../types/record-type-payloads';
import { DeletedPayload } from '../types/deleted-payload';
import { paginateNewestFirst } from '../../services/shared/pagination';

@Authorized()
@Resolver(() => RecordType)
export class RecordTypeResolver {
  @Query(() => RecordTypeConnection, {
    description: 'The record types you may see: those with a grant to you, or a record you may view.',
    complexity: connectionComplexity,
  })
  async recordTypes(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext) {
    return toConnection(await paginateNewestFirst(context.em, RecordType, context.services.access.recordTypeFilter(currentUser(context)), page));
  }

  @Query(() => RecordType, { description: 'A record type you may see; any other is NOT_FOUND, as a missing one is.' })
  recordType(@Arg('id', () => ID, { description: 'The record type’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<RecordType> {
    return context.services.access.viewableRecordType(currentUser(context), id);
  }

  @FieldResolver(() => [Task], { description: 'The tasks records of this type inherit.' })
  async tasks(@Root() recordType: RecordType): Promise<Task[]> {
    return (await recordType.tasks.load()).getItems();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @FieldResolver(() => [RecordGrant], { description: 'The grants on every record of this type.' })
  grants(@Root() recordType: RecordType, @Ctx() context: StewardContext): Promise<RecordGrant[]> {
    return context.services.grants.onRecordType(recordType.id);
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => RecordTypePayload, { description: 'Renames or describes a record type (its tasks have their own mutations).' })
  async updateRecordType(@Arg('input', () => UpdateRecordTypeInput, { description: 'The record type, the fields to change and the version you read.' }) input: UpdateRecordTypeInput, @Ctx() context: StewardContext): Promise<RecordTypePayload> {
    const { recordTypeId, version, ...changes } = input;
    return { recordType: await context.services.records.updateRecordType(currentActor(context), recordTypeId, changes, version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeletedPayload, { description: 'Deletes a record type that no record uses.' })
  async deleteRecordType(@Arg('input', () => RecordTypeRefInput, { description: 'The record type to delete.' }) input: RecordTypeRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.records.deleteRecordType(currentActor(context), input.recordTypeId);
    return { id: input.recordTypeId };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CreateRecordTypePayload, { description: 'Creates a record type with its custom fields and the tasks every record of the type inherits.' })
  async createRecordType(
    @Arg('input', () => CreateRecordTypeInput, { description: 'The new record type’s name, description, custom fields and tasks.' }) input: CreateRecordTypeInput,
    @Ctx() context: StewardContext,
  ): Promise<CreateRecordTypePayload> {
    return { recordType: await context.services.records.createRecordType(currentActor(context), { ...input, tasks: input.tasks.map(toTaskSpec) }) };
  }
}
