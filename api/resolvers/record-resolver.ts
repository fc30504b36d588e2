import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PolicyEvent, RecordType, Role, Task, VaultRecord } from '../../db/entities';
import { paginateNewestFirst } from '../../services/pagination';
import { type StewardContext, currentActor } from '../context';
import { JobFilterInput } from '../inputs/job-inputs';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { CreateRecordInput, UnlockRecordInput } from '../inputs/record-inputs';
import { toConnection } from '../types/connection';
import { JobConnection, RecordConnection } from '../types/connections';
import { CreateRecordPayload, UnlockRecordPayload } from '../types/payloads';

@Resolver(() => VaultRecord)
export class RecordResolver {
  @Authorized()
  @Query(() => RecordConnection, { complexity: connectionComplexity })
  async records(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext) {
    return toConnection(await paginateNewestFirst(context.em, VaultRecord, {}, page));
  }

  @Authorized()
  @Query(() => VaultRecord)
  record(@Arg('id', () => ID) id: string, @Ctx() context: StewardContext): Promise<VaultRecord> {
    return context.services.records.getRecord(id);
  }

  @Authorized()
  @FieldResolver(() => RecordType)
  recordType(@Root() record: VaultRecord): Promise<RecordType> {
    return record.recordType.loadOrFail();
  }

  @Authorized()
  @FieldResolver(() => [Task], { description: 'Every task that applies to this record.' })
  tasks(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<Task[]> {
    return context.services.records.tasksOf(record);
  }

  @Authorized()
  @FieldResolver(() => [Task], { description: 'The On Demand tasks: what runOnDemandTask can run on this record.' })
  async executableTasks(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<Task[]> {
    const tasks = await context.services.records.tasksOf(record);
    return tasks.filter((task) => task.policyEvents.includes(PolicyEvent.ON_DEMAND));
  }

  @Authorized()
  @FieldResolver(() => JobConnection, { description: "This record's Job History, newest first.", complexity: connectionComplexity })
  async jobs(
    @Root() record: VaultRecord,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => JobFilterInput, { nullable: true }) filter: JobFilterInput | undefined,
    @Ctx() context: StewardContext,
  ) {
    return toConnection(await context.services.jobs.listJobs({ ...filter, recordId: record.id }, page));
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CreateRecordPayload)
  async createRecord(@Arg('input', () => CreateRecordInput) input: CreateRecordInput, @Ctx() context: StewardContext): Promise<CreateRecordPayload> {
    return { record: await context.services.records.createRecord(currentActor(context), input) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => UnlockRecordPayload, { description: 'Reveals the current password. Audited.' })
  async unlockRecord(@Arg('input', () => UnlockRecordInput) input: UnlockRecordInput, @Ctx() context: StewardContext): Promise<UnlockRecordPayload> {
    const password = await context.services.records.unlockRecord(currentActor(context), input.recordId, input.reason);
    return { record: await context.services.records.getRecord(input.recordId), password };
  }
}
