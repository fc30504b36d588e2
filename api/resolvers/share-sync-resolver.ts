import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ServerTaskPeerResult, ServerTaskRun } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { UpdateShareClientTasksScheduleInput } from '../inputs/share-sync-inputs';
import { type ConnectionShape, toConnection } from '../types/connection';
import { ServerTaskRunConnection, ShareClientTasksSchedule, ShareClientTasksSchedulePayload } from '../types/share-sync-types';

/** The Share Client Tasks server task: its schedule and its log, for administrators. */
@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => ServerTaskRun)
export class ShareSyncResolver {
  @Query(() => ShareClientTasksSchedule, { description: 'The Share Client Tasks server task’s schedule.' })
  shareClientTasksSchedule(@Ctx() context: StewardContext): Promise<ShareClientTasksSchedule> {
    return context.services.shareSyncSchedule.describe();
  }

  @Query(() => ServerTaskRunConnection, { description: 'The server task log: each run, newest first, with what it did for each peer.', complexity: connectionComplexity })
  async serverTaskLog(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext): Promise<ConnectionShape<ServerTaskRun>> {
    return toConnection(await context.services.serverTaskLog.list(page));
  }

  @FieldResolver(() => [ServerTaskPeerResult], { description: 'One entry per registered server the run was for, reached or not.' })
  peers(@Root() run: ServerTaskRun): Promise<ServerTaskPeerResult[]> {
    return run.peers.loadItems();
  }

  @FieldResolver(() => ID, { nullable: true, description: 'The run’s job in Job History.' })
  jobId(@Root() run: ServerTaskRun): string | null {
    return run.job?.id ?? null;
  }

  @Mutation(() => ShareClientTasksSchedulePayload, { description: 'Sets the Share Client Tasks interval, or pauses or resumes it.' })
  async updateShareClientTasksSchedule(
    @Arg('input', () => UpdateShareClientTasksScheduleInput, { description: 'The new interval in seconds, and whether to pause or resume; omitted fields stay as they are.' }) input: UpdateShareClientTasksScheduleInput,
    @Ctx() context: StewardContext,
  ): Promise<ShareClientTasksSchedulePayload> {
    return { schedule: await context.services.shareSyncSchedule.update(currentActor(context), input) };
  }

  @Mutation(() => ShareClientTasksSchedulePayload, { description: 'Runs Share Client Tasks now (after the run in progress, if one is); the run shows in serverTaskLog and Job History.' })
  async runShareClientTasksNow(@Ctx() context: StewardContext): Promise<ShareClientTasksSchedulePayload> {
    return { schedule: await context.services.shareSyncSchedule.runNow(currentActor(context)) };
  }
}
