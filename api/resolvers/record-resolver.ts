import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PolicyEvent, RecordGrant, RecordSession, RecordType, Role, ShadowHost, Task, User, UserGroup, VaultRecord } from '../../db/entities';
import { paginateNewestFirst } from '../../services/shared/pagination';
import { type StewardContext, currentUser } from '../context';
import { JobFilterInput } from '../inputs/job-inputs';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import {
  AddShadowHostInput,
  CreateRecordInput,
  GrantRecordPermissionsInput,
  RecordFilterInput,
  RecordGrantRefInput,
  RecordRefInput,
  ShadowHostRefInput,
  UnlockRecordInput,
  UpdateRecordInput,
} from '../inputs/record-inputs';
import { toConnection } from '../types/connection';
import { JobConnection, RecordConnection } from '../types/connections';
import {
  CreateRecordPayload,
  GrantRecordPermissionsPayload,
  RecordPayload,
  RevokeRecordPermissionsPayload,
  ShadowHostPayload,
  UnlockRecordPayload,
} from '../types/record-payloads';
import { DeletedPayload } from '../types/deleted-payload';
import { RecordTask } from '../types/task-types';
import { RecordFieldValue } from '../types/record-field-value';
import { orderedFieldValues } from '../../services/vault/record-fields';

@Authorized()
@Resolver(() => VaultRecord)
export class RecordResolver {
  @Query(() => RecordConnection, { description: 'The records you may view, newest first.', complexity: connectionComplexity })
  async records(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => RecordFilterInput, { nullable: true, description: 'Narrows the list; every record you may view when omitted.' }) filter: RecordFilterInput | undefined,
    @Ctx() context: StewardContext,
  ) {
    const where = { $and: [context.services.access.recordFilter(currentUser(context)), context.services.records.fieldsFilter(filter?.fields ?? [])] };
    return toConnection(await paginateNewestFirst(context.em, VaultRecord, where, page));
  }

  @Query(() => VaultRecord, { description: 'A record you may view; any other is NOT_FOUND, as a missing one is.' })
  record(@Arg('id', () => ID, { description: 'The record’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<VaultRecord> {
    return context.services.access.viewable(currentUser(context), id);
  }

  @FieldResolver(() => [RecordFieldValue], { description: 'Values of the custom fields its record type declares, in their order; non-secret.' })
  async fields(@Root() record: VaultRecord): Promise<RecordFieldValue[]> {
    return orderedFieldValues(record.fieldValues, (await record.recordType.loadOrFail()).fields);
  }

  @FieldResolver(() => RecordType, { description: 'The record’s record type.' })
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

  @FieldResolver(() => VaultRecord, { nullable: true, description: 'The record this one references; null too when you may not view it.' })
  async referencedRecord(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<VaultRecord | null> {
    const referenced = await record.referencedRecord?.load();
    return referenced ? context.services.access.viewableOrNull(currentUser(context), referenced) : null;
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @FieldResolver(() => [RecordGrant], { description: 'Who holds which permissions on this record: its own grants, then its record type’s.' })
  grants(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<RecordGrant[]> {
    return context.services.grants.onRecord(record);
  }

  @FieldResolver(() => [ShadowHost], { description: 'Where this record’s credentials may go when it is a shadow account, besides its own host.' })
  shadowHosts(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<ShadowHost[]> {
    return context.services.shadows.hostsOf(record.id);
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
    @Arg('filter', () => JobFilterInput, { nullable: true, description: 'Narrows the record’s Job History; all of its jobs when omitted (the filter’s recordId is ignored).' }) filter: JobFilterInput | undefined,
    @Ctx() context: StewardContext,
  ) {
    return toConnection(await context.services.jobs.listJobs(currentUser(context), { ...filter, recordId: record.id }, page));
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CreateRecordPayload, { description: 'Creates a record of a record type, with its account, host and pinned host key; its AFTER_RECORD_CHANGE tasks then run.' })
  async createRecord(@Arg('input', () => CreateRecordInput, { description: 'The new record’s type, account, host, host key, password and custom fields.' }) input: CreateRecordInput, @Ctx() context: StewardContext): Promise<CreateRecordPayload> {
    return { record: await context.services.lifecycle.create(currentUser(context), input) };
  }

  @Mutation(() => RecordPayload, {
    description: 'Changes a record; fires its After creating or updating a record tasks. Needs Edit on it, and on a new referenced record.',
  })
  async updateRecord(@Arg('input', () => UpdateRecordInput, { description: 'The record, the fields to change and the version you read.' }) input: UpdateRecordInput, @Ctx() context: StewardContext): Promise<RecordPayload> {
    const { recordId, version, ...changes } = input;
    return { record: await context.services.lifecycle.update(currentUser(context), recordId, changes, version) };
  }

  @Mutation(() => DeletedPayload, { description: 'Deletes a record, its tasks and its Job History; its open jobs are cancelled first. Needs Edit on it.' })
  async deleteRecord(@Arg('input', () => RecordRefInput, { description: 'The record to delete.' }) input: RecordRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.lifecycle.delete(currentUser(context), input.recordId);
    return { id: input.recordId };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => GrantRecordPermissionsPayload, {
    description: 'Sets what a user or user group may do with a record, or with every record of a record type: View, Unlock, Edit, Execute, Task Control: Manage.',
  })
  async grantRecordPermissions(
    @Arg('input', () => GrantRecordPermissionsInput, { description: 'Who gets the permissions (a user or a user group), on what (a record or a record type), and which.' }) input: GrantRecordPermissionsInput,
    @Ctx() context: StewardContext,
  ): Promise<GrantRecordPermissionsPayload> {
    return { grant: await context.services.grants.set(currentUser(context), input, input, input.permissions) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => RevokeRecordPermissionsPayload, { description: 'Removes a user’s or user group’s grant on a record or record type.' })
  async revokeRecordPermissions(
    @Arg('input', () => RecordGrantRefInput, { description: 'Whose grant (a user’s or a user group’s) on what (a record or a record type) to revoke.' }) input: RecordGrantRefInput,
    @Ctx() context: StewardContext,
  ): Promise<RevokeRecordPermissionsPayload> {
    return { revoked: await context.services.grants.revoke(currentUser(context), input, input) };
  }

  @Mutation(() => ShadowHostPayload, { description: 'Lets this record’s credentials go to one more host when it is a shadow account. Needs Task Control: Manage on it.' })
  async addShadowHost(@Arg('input', () => AddShadowHostInput, { description: 'The shadow account’s record and the host, port and host key to allow.' }) input: AddShadowHostInput, @Ctx() context: StewardContext): Promise<ShadowHostPayload> {
    const { recordId, host, port, hostKeyFingerprint } = input;
    return { shadowHost: await context.services.shadows.addHost(currentUser(context), recordId, { host, port: port ?? 22, hostKeyFingerprint }) };
  }

  @Mutation(() => DeletedPayload, { description: 'Takes a host off a shadow account’s list. Needs Task Control: Manage on the record.' })
  async removeShadowHost(@Arg('input', () => ShadowHostRefInput, { description: 'The shadow host to remove.' }) input: ShadowHostRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.shadows.removeHost(currentUser(context), input.shadowHostId);
    return { id: input.shadowHostId };
  }

  @Mutation(() => UnlockRecordPayload, { description: 'Reveals the password the host last accepted; fires the record’s After Unlock tasks. Needs Unlock on it. Audited.' })
  async unlockRecord(@Arg('input', () => UnlockRecordInput, { description: 'The record to unlock and, optionally, why.' }) input: UnlockRecordInput, @Ctx() context: StewardContext): Promise<UnlockRecordPayload> {
    const revealed = await context.services.lifecycle.unlock(currentUser(context), input.recordId, input.reason);
    return { record: await context.services.records.getRecord(input.recordId), ...revealed };
  }
}

@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => RecordGrant)
export class RecordGrantResolver {
  @FieldResolver(() => User, { nullable: true, description: 'The user the grant is to; null for a group’s.' })
  async user(@Root() grant: RecordGrant): Promise<User | null> {
    return (await grant.user?.load()) ?? null;
  }

  @FieldResolver(() => UserGroup, { nullable: true, description: 'The user group the grant is to; null for a user’s.' })
  async group(@Root() grant: RecordGrant): Promise<UserGroup | null> {
    return (await grant.group?.load()) ?? null;
  }

  @FieldResolver(() => VaultRecord, { nullable: true, description: 'The record the grant is on; null for a record type’s.' })
  async record(@Root() grant: RecordGrant): Promise<VaultRecord | null> {
    return (await grant.record?.load()) ?? null;
  }

  @FieldResolver(() => RecordType, { nullable: true, description: 'The record type whose every record the grant is on; null for a record’s.' })
  async recordType(@Root() grant: RecordGrant): Promise<RecordType | null> {
    return (await grant.recordType?.load()) ?? null;
  }
}
