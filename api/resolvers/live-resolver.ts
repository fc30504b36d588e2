import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription, type ResolverData } from 'type-graphql';
import { JobOutputLine } from '../../db/entities';
import { BadInputError } from '../../services/shared/errors';
import type { StewardContext } from '../context';
import { JobFilterInput } from '../inputs/job-inputs';
import { type LiveSession, clientRunUpdates, jobOutputLines, jobUpdates } from '../live/subscriptions';
import { ClientRunUpdate, JobUpdate } from '../types/live-types';

function liveSession(context: StewardContext): LiveSession {
  if (!context.live) throw new BadInputError('Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql');
  return context.live;
}

type SubscribeData<Args> = Pick<ResolverData<StewardContext>, 'context'> & { args: Args };

/**
 * Live updates over WebSocket (api/websocket-server.ts): each event is read and checked against
 * the caller's permissions as it happens (api/live/subscriptions.ts); the methods below only hand
 * it on. Each event is resolved on the subscription's own EntityManager, cleared first so its
 * fields are read afresh.
 */
@Authorized()
@Resolver()
export class LiveUpdatesResolver {
  @Subscription(() => JobUpdate, {
    description: 'Creations and state changes of the jobs matching the filter (as in Job History) that the caller may view.',
    subscribe: ({ args, context }: SubscribeData<{ filter?: JobFilterInput | null }>) => jobUpdates(liveSession(context), args.filter ?? {}),
  })
  jobUpdated(
    @Root() update: JobUpdate,
    @Arg('filter', () => JobFilterInput, { nullable: true, description: 'Only the jobs that match; every job you may see when omitted.' }) _filter: JobFilterInput | undefined,
    @Ctx() context: StewardContext,
  ): JobUpdate {
    context.em.clear();
    return update;
  }

  @Subscription(() => ClientRunUpdate, {
    description: 'The counts of a client task run: first as they are, then after each change; completes once every job of the run has ended. Nothing for a run the caller may not view.',
    subscribe: ({ args, context }: SubscribeData<{ runId: string }>) => clientRunUpdates(liveSession(context), args.runId),
  })
  clientRunUpdated(@Root() update: ClientRunUpdate, @Arg('runId', () => ID, { description: 'The client task run to follow.' }) _runId: string, @Ctx() context: StewardContext): ClientRunUpdate {
    context.em.clear();
    return update;
  }

  @Subscription(() => JobOutputLine, {
    description:
      'The stdout and stderr lines of a job, secrets redacted: those printed so far, then each as it arrives; completes once the job has ended. Nothing for a job the caller may not view.',
    subscribe: ({ args, context }: SubscribeData<{ jobId: string }>) => jobOutputLines(liveSession(context), args.jobId),
  })
  jobOutput(@Root() line: JobOutputLine, @Arg('jobId', () => ID, { description: 'The job whose output to follow.' }) _jobId: string, @Ctx() context: StewardContext): JobOutputLine {
    context.em.clear();
    return line;
  }
}
