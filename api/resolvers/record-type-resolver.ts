import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RecordType, Task } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
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
  @Query(() => RecordTypeConnection, { complexity: connectionComplexity })
  async recordTypes(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext) {
    return toConnection(await paginateNewestFirst(context.em, RecordType, {}, page));
  }

  @Query(() => RecordType)
  recordType(@Arg('id', () => ID) id: string, @Ctx() context: StewardContext): Promise<RecordType> {
    return context.services.records.getRecordType(id);
  }

  @FieldResolver(() => [Task], { description: 'The tasks records of this type inherit.' })
  async tasks(@Root() recordType: RecordType): Promise<Task[]> {
    return (await recordType.tasks.load()).getItems();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => RecordTypePayload, { description: 'Renames or describes a record type (its tasks have their own mutations).' })
  async updateRecordType(@Arg('input', () => UpdateRecordTypeInput) input: UpdateRecordTypeInput, @Ctx() context: StewardContext): Promise<RecordTypePayload> {
    const { recordTypeId, version, ...changes } = input;
    return { recordType: await context.services.records.updateRecordType(currentActor(context), recordTypeId, changes, version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeletedPayload, { description: 'Deletes a record type that no record uses.' })
  async deleteRecordType(@Arg('input', () => RecordTypeRefInput) input: RecordTypeRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.records.deleteRecordType(currentActor(context), input.recordTypeId);
    return { id: input.recordTypeId };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CreateRecordTypePayload)
  async createRecordType(
    @Arg('input', () => CreateRecordTypeInput) input: CreateRecordTypeInput,
    @Ctx() context: StewardContext,
  ): Promise<CreateRecordTypePayload> {
    return { recordType: await context.services.records.createRecordType(currentActor(context), { ...input, tasks: input.tasks.map(toTaskSpec) }) };
  }
}
