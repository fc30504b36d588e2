import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RecordType, Task } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { CreateRecordTypeInput } from '../inputs/record-inputs';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { toConnection } from '../types/connection';
import { RecordTypeConnection } from '../types/connections';
import { CreateRecordTypePayload } from '../types/payloads';
import { paginateNewestFirst } from '../../services/pagination';

@Resolver(() => RecordType)
export class RecordTypeResolver {
  @Authorized()
  @Query(() => RecordTypeConnection, { complexity: connectionComplexity })
  async recordTypes(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext) {
    return toConnection(await paginateNewestFirst(context.em, RecordType, {}, page));
  }

  @Authorized()
  @Query(() => RecordType)
  recordType(@Arg('id', () => ID) id: string, @Ctx() context: StewardContext): Promise<RecordType> {
    return context.services.records.getRecordType(id);
  }

  @Authorized()
  @FieldResolver(() => [Task], { description: 'The tasks records of this type inherit.' })
  async tasks(@Root() recordType: RecordType): Promise<Task[]> {
    return (await recordType.tasks.load()).getItems();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CreateRecordTypePayload)
  async createRecordType(
    @Arg('input', () => CreateRecordTypeInput) input: CreateRecordTypeInput,
    @Ctx() context: StewardContext,
  ): Promise<CreateRecordTypePayload> {
    return { recordType: await context.services.records.createRecordType(currentActor(context), input) };
  }
}
