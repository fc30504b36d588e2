import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { RecordDependency, VaultRecord } from '../../db/entities';
import { type StewardContext, currentUser } from '../context';
import { AddRecordDependencyInput, RecordDependencyRefInput, UpdateRecordDependencyInput } from '../inputs/record-dependency-inputs';
import { DeletedPayload } from '../types/deleted-payload';
import { RecordDependencyPayload } from '../types/record-dependency-types';

@Authorized()
@Resolver(() => RecordDependency)
export class RecordDependencyResolver {
  @Mutation(() => RecordDependencyPayload, {
    description: 'Adds a place that holds the record’s password: its rotations update it too, and roll back if it fails. Needs Edit on the record, and Task Control: Manage on another account record.',
  })
  async addRecordDependency(@Arg('input', () => AddRecordDependencyInput, { description: 'The record, the host that holds its password, the account that logs in there and the command that sets it.' }) input: AddRecordDependencyInput, @Ctx() context: StewardContext): Promise<RecordDependencyPayload> {
    const { recordId, port, ...spec } = input;
    return { dependency: await context.services.recordDependencies.add(currentUser(context), recordId, { ...spec, port: port ?? 22 }) };
  }

  @Mutation(() => RecordDependencyPayload, { description: 'Changes a dependency. Needs Edit on its record, and Task Control: Manage on a newly chosen account record.' })
  async updateRecordDependency(@Arg('input', () => UpdateRecordDependencyInput, { description: 'The record dependency, the fields to change and the version you read.' }) input: UpdateRecordDependencyInput, @Ctx() context: StewardContext): Promise<RecordDependencyPayload> {
    const { dependencyId, version, ...changes } = input;
    return { dependency: await context.services.recordDependencies.update(currentUser(context), dependencyId, version, changes) };
  }

  @Mutation(() => DeletedPayload, { description: 'Removes a dependency; later rotations no longer update it. Needs Edit on its record.' })
  async removeRecordDependency(@Arg('input', () => RecordDependencyRefInput, { description: 'The record dependency to remove.' }) input: RecordDependencyRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.recordDependencies.remove(currentUser(context), input.dependencyId);
    return { id: input.dependencyId };
  }

  @FieldResolver(() => VaultRecord, { nullable: true, description: 'The record whose credentials log in to the dependency’s host; null when it was deleted, or you may not view it.' })
  async accountRecord(@Root() dependency: RecordDependency, @Ctx() context: StewardContext): Promise<VaultRecord | null> {
    const account = await dependency.accountRecord?.load();
    return account ? context.services.access.viewableOrNull(currentUser(context), account) : null;
  }
}

@Authorized()
@Resolver(() => VaultRecord)
export class RecordDependenciesFieldResolver {
  @FieldResolver(() => [RecordDependency], { description: 'Places that hold this record’s password and change with it, in the order its rotations update them.' })
  dependencies(@Root() record: VaultRecord, @Ctx() context: StewardContext): Promise<RecordDependency[]> {
    return context.services.recordDependencies.of(record.id);
  }
}
