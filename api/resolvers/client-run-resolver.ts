import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ClientRun, ClientTask, ClientTaskAssignment, User } from '../../db/entities';
import { type StewardContext, currentUser } from '../context';
import { CancelClientRunInput, ClientRunFilterInput, RelaunchClientRunInput, RunClientTaskNowInput } from '../inputs/client-run-inputs';
import { JobFilterInput } from '../inputs/job-inputs';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { ClientRunConnection, ClientRunCounts, ClientRunPayload } from '../types/client-run-types';
import { type ConnectionShape, toConnection } from '../types/connection';
import { JobConnection } from '../types/connections';
import type { Job } from '../../db/entities';
import { byId } from '../../services/shared/idempotency';

@Authorized()
@Resolver(() => ClientRun)
export class ClientRunResolver {
  @Mutation(() => ClientRunPayload, { description: 'Run Client Task Now: runs an enabled client task on the chosen systems at once, one job per system.' })
  async runClientTaskNow(@Arg('input', () => RunClientTaskNowInput, { description: 'The client task and the systems to run it on.' }) input: RunClientTaskNowInput, @Ctx() context: StewardContext): Promise<ClientRunPayload> {
    const { clientRuns, idempotency } = context.services;
    const user = currentUser(context);
    const run = () => clientRuns.runNow(user, input.clientTaskId, input.systemIds);
    return { run: await idempotency.once(user, 'runClientTaskNow', input, run, byId((id) => clientRuns.viewRun(user, id))) };
  }

  @Mutation(() => ClientRunPayload, { description: 'Runs the task of an ended run again, as a new run linked to it, on the systems whose jobs failed or were cancelled.' })
  async relaunchClientRun(@Arg('input', () => RelaunchClientRunInput, { description: 'The ended run and which of its systems to run on again.' }) input: RelaunchClientRunInput, @Ctx() context: StewardContext): Promise<ClientRunPayload> {
    const { clientRuns, idempotency } = context.services;
    const user = currentUser(context);
    const run = () => clientRuns.relaunch(user, input.runId, input.only);
    return { run: await idempotency.once(user, 'relaunchClientRun', input, run, byId((id) => clientRuns.viewRun(user, id))) };
  }

  @Mutation(() => ClientRunPayload, { description: 'Cancels a whole run: its pending jobs are cancelled, and its running ones are stopped on their hosts.' })
  async cancelClientRun(@Arg('input', () => CancelClientRunInput, { description: 'The client task run to cancel.' }) input: CancelClientRunInput, @Ctx() context: StewardContext): Promise<ClientRunPayload> {
    return { run: await context.services.clientRuns.cancelRun(currentUser(context), input.runId) };
  }

  @Query(() => ClientRun, { description: 'One client task run by ID, with its counts and jobs. Fails when it does not exist or you may not view it.' })
  clientRun(@Arg('id', () => ID, { description: 'The client task run’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<ClientRun> {
    return context.services.clientRuns.viewRun(currentUser(context), id);
  }

  @Query(() => ClientRunConnection, { description: 'Client task runs, newest first.', complexity: connectionComplexity })
  async clientRuns(
    @Arg('filter', () => ClientRunFilterInput, { nullable: true, description: 'Narrows the list; every run you may see when omitted.' }) filter: ClientRunFilterInput | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<ClientRun>> {
    return toConnection(await context.services.clientRuns.listRuns(currentUser(context), filter ?? {}, page));
  }

  @FieldResolver(() => ClientRunCounts, { description: 'Live counts of the run’s jobs by state.' })
  counts(@Root() run: ClientRun, @Ctx() context: StewardContext): Promise<ClientRunCounts> {
    return context.services.clientRuns.counts(run.id);
  }

  @FieldResolver(() => JobConnection, { description: 'The run’s jobs, one per system, newest first.', complexity: connectionComplexity })
  async jobs(
    @Root() run: ClientRun,
    @Arg('filter', () => JobFilterInput, { nullable: true, description: 'Narrows the run’s jobs; all of them when omitted.' }) filter: JobFilterInput | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<Job>> {
    return toConnection(await context.services.jobs.listJobs(currentUser(context), { ...filter, runId: run.id }, page));
  }

  @FieldResolver(() => ClientTask, { nullable: true, description: 'Null once the task is deleted; taskName stays.' })
  async clientTask(@Root() run: ClientRun): Promise<ClientTask | null> {
    return (await run.clientTask?.load()) ?? null;
  }

  @FieldResolver(() => ClientTaskAssignment, { nullable: true, description: 'For a scheduled firing: its assignment (null once removed).' })
  async assignment(@Root() run: ClientRun): Promise<ClientTaskAssignment | null> {
    return (await run.assignment?.load()) ?? null;
  }

  @FieldResolver(() => ClientRun, { nullable: true, description: 'For a relaunch: the run whose failed and cancelled systems it runs again.' })
  async relaunchedFrom(@Root() run: ClientRun): Promise<ClientRun | null> {
    return (await run.relaunchedFrom?.load()) ?? null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who pressed Run Now.' })
  async requestedBy(@Root() run: ClientRun): Promise<User | null> {
    return (await run.requestedBy?.load()) ?? null;
  }
}
