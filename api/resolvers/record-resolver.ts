import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PolicyEvent, RecordGrant, RecordSession, RecordType, Role, Task, User, VaultRecord } from '../../db/entities';
import { paginateNewestFirst } from '../../services/shared/pagination';
import { type StewardContext, currentUser } from '../context';
import { JobFilterInput } from '../inputs/job-inputs';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { CreateRecordInput, GrantRecordPermissionsInput, RecordRefInput, UnlockRecordInput, UpdateRecordInput } from '../inputs/record-inputs';
import { toConnection } from '../types/connection';
import { JobConnection, RecordConnection } from '../types/connections';
import { CreateRecordPayload, GrantRecordPermissionsPayload, RecordPayload, UnlockRecordPayload } from '../types/record-payloads';
import { DeletedPayload } from '../types/deleted-payload';
import { RecordTask } from '../types/task-types';

@Authorized()
@Resolver(() => VaultRecord)
export class RecordResolver {
  @Query(() => RecordConnection, { complexity: connectionComplexity })
  async records(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext) {
    return toConnection(await paginateNewestFirst(context.em, VaultRecord, {}, page));
  }

  @Query(() => VaultRecord)
  record(@Arg('id', () => ID) id: string, @Ctx() context: StewardContext): Promise<VaultRecord> {
    return context.services.records.getRecord(id);
  }

  @FieldResolver(() => RecordType)
  recordType(@Root() record: VaultRecord): Promise<RecordType> {
    return record.recordType.loadOrFail();
  }

  @FieldResolver(() => [RecordTask], { description: 'Every task that applies to this record, and whether it comes from the record type or the record.' })
  tasks(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<RecordTask[]> {
    return context.services.tasks.applicableTasks(record);
  }

  @FieldResolver(() => [RecordSession], { description: 'Sessions on this record that have not ended.' })
  activeSessions(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<RecordSession[]> {
    return context.services.sessions.active(record.id);
  }

  @FieldResolver(() => VaultRecord, { nullable: true, description: 'The record this one references.' })
  async referencedRecord(@Root() record: VaultRecord): Promise<VaultRecord | null> {
    return (await record.referencedRecord?.load()) ?? null;
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @FieldResolver(() => [RecordGrant], { description: 'Who holds which permissions on this record.' })
  grants(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<RecordGrant[]> {
    return context.services.access.grantsOf(record.id);
  }

  @FieldResolver(() => [Task], { description: 'The On Demand tasks: what runOnDemandTask can run on this record.' })
  async executableTasks(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<Task[]> {
    const tasks = await context.services.records.tasksOf(record);
    return tasks.filter((task) => task.policyEvents.includes(PolicyEvent.ON_DEMAND));
  }

  @FieldResolver(() => JobConnection, { description: "This record's Job History, newest first.", complexity: connectionComplexity })
  async jobs(
    @Root() record: VaultRecord,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => JobFilterInput, { nullable: true }) filter: JobFilterInput | undefined,
    @Ctx() context: StewardContext,
  ) {
    return toConnection(await context.services.jobs.listJobs(currentUser(context), { ...filter, recordId: record.id }, page));
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CreateRecordPayload)
  async createRecord(@Arg('input', () => CreateRecordInput) input: CreateRecordInput, @Ctx() context: StewardContext): Promise<CreateRecordPayload> {
    return { record: await context.services.lifecycle.create(currentUser(context), input) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => RecordPayload, { description: 'Changes a record; fires its After creating or updating a record tasks.' })
  async updateRecord(@Arg('input', () => UpdateRecordInput) input: UpdateRecordInput, @Ctx() context: StewardContext): Promise<RecordPayload> {
    const { recordId, version, ...changes } = input;
    return { record: await context.services.lifecycle.update(currentUser(context), recordId, changes, version) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeletedPayload, { description: 'Deletes a record, its tasks and its Job History; its open jobs are cancelled first.' })
  async deleteRecord(@Arg('input', () => RecordRefInput) input: RecordRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.lifecycle.delete(currentUser(context), input.recordId);
    return { id: input.recordId };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => GrantRecordPermissionsPayload, { description: 'Sets what a user may do with a record: Task Control: Manage, Execute.' })
  async grantRecordPermissions(
    @Arg('input', () => GrantRecordPermissionsInput) input: GrantRecordPermissionsInput,
    @Ctx() context: StewardContext,
  ): Promise<GrantRecordPermissionsPayload> {
    return { grant: await context.services.access.grant(currentUser(context), input.recordId, input.userId, input.permissions) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => UnlockRecordPayload, { description: 'Reveals the current password. Audited.' })
  async unlockRecord(@Arg('input', () => UnlockRecordInput) input: UnlockRecordInput, @Ctx() context: StewardContext): Promise<UnlockRecordPayload> {
    const password = await context.services.lifecycle.unlock(currentUser(context), input.recordId, input.reason);
    return { record: await context.services.records.getRecord(input.recordId), password };
  }
}

@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => RecordGrant)
export class RecordGrantResolver {
  @FieldResolver(() => User)
  user(@Root() grant: RecordGrant): Promise<User> {
    return grant.user.loadOrFail();
  }
}
