import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ClientRun, ClientTask, Job, JobEvent, ManagedSystem, Role, Task, User, VaultRecord } from '../../db/entities';
import { type StewardContext, currentActor, currentUser } from '../context';
import { JobFilterInput, RunOnDemandTaskInput } from '../inputs/job-inputs';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { toConnection } from '../types/connection';
import { JobConnection } from '../types/connections';
import { JobActionInput, ScheduleTaskRunInput } from '../inputs/engine-inputs';
import { JobDetails, JobPayload, RunOnDemandTaskPayload } from '../types/job-payloads';
import { byId } from '../../services/shared/idempotency';

@Authorized()
@Resolver(() => Job)
export class JobResolver {
  @Query(() => JobConnection, { description: 'Job History across every record, newest first.', complexity: connectionComplexity })
  async jobs(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => JobFilterInput, { nullable: true, description: 'Narrows the list; every job you may see when omitted.' }) filter: JobFilterInput | undefined,
    @Ctx() context: StewardContext,
  ) {
    return toConnection(await context.services.jobs.listJobs(currentUser(context), filter ?? {}, page));
  }

  @Query(() => Job, { description: 'One job by ID, with its timeline. Fails with NOT_FOUND when it does not exist or its record is one you may not view.' })
  job(@Arg('id', () => ID, { description: 'The job’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<Job> {
    return context.services.jobs.viewJob(currentUser(context), id);
  }

  @FieldResolver(() => VaultRecord, { nullable: true, description: 'The record of a vault task job; null for client task jobs.' })
  async record(@Root() job: Job): Promise<VaultRecord | null> {
    return (await job.record?.load()) ?? null;
  }

  @FieldResolver(() => ManagedSystem, { nullable: true, description: 'The system of a client task job; null for vault task jobs.' })
  async system(@Root() job: Job): Promise<ManagedSystem | null> {
    return (await job.system?.load()) ?? null;
  }

  @FieldResolver(() => ClientTask, { nullable: true, description: 'The client task of a client task job; null once it is deleted (taskName stays).' })
  async clientTask(@Root() job: Job): Promise<ClientTask | null> {
    return (await job.clientTask?.load()) ?? null;
  }

  @FieldResolver(() => ClientRun, { nullable: true, description: 'The client task run the job belongs to.' })
  async run(@Root() job: Job): Promise<ClientRun | null> {
    return (await job.run?.load()) ?? null;
  }

  @FieldResolver(() => Task, { nullable: true, description: 'Null once the task is removed; taskName stays.' })
  async task(@Root() job: Job): Promise<Task | null> {
    return (await job.task?.load()) ?? null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who asked for it, for On Demand and Manual Run jobs.' })
  async requestedBy(@Root() job: Job): Promise<User | null> {
    return (await job.requestedBy?.load()) ?? null;
  }

  @FieldResolver(() => [JobEvent], { description: 'The timeline: scheduled, queued, started, each step, and how it ended.' })
  async events(@Root() job: Job): Promise<JobEvent[]> {
    return (await job.events.load()).getItems();
  }

  @FieldResolver(() => JobDetails, { description: 'What the script printed, with every secret redacted.' })
  details(@Root() job: Job): JobDetails {
    return { exitCode: job.exitCode ?? null, output: job.output ?? null };
  }

  @FieldResolver(() => Job, { nullable: true, description: 'For Fallback jobs: the failed job whose cycle this is.' })
  async fallbackOf(@Root() job: Job): Promise<Job | null> {
    return (await job.fallbackOf?.load()) ?? null;
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => JobPayload, { description: 'Schedules one run of a task on a record at a given time.' })
  async scheduleTaskRun(@Arg('input', () => ScheduleTaskRunInput, { description: 'The record, its task and when to run it.' }) input: ScheduleTaskRunInput, @Ctx() context: StewardContext): Promise<JobPayload> {
    return { job: await context.services.jobs.scheduleRun(currentActor(context), input.recordId, input.taskId, input.runAt) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => JobPayload, {
    description: 'Sends a Scheduled job of the local node to the queue now. Refused for jobs of remote nodes and for jobs that are not Scheduled.',
  })
  async runJob(@Arg('input', () => JobActionInput, { description: 'The SCHEDULED job to run now.' }) input: JobActionInput, @Ctx() context: StewardContext): Promise<JobPayload> {
    const { jobActions, jobs, idempotency } = context.services;
    const run = () => jobActions.run(currentActor(context), input.jobId);
    return { job: await idempotency.once(currentUser(context), 'runJob', input, run, byId((id) => jobs.getJob(id))) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => JobPayload, {
    description: 'Cancels a Scheduled job, or stops a Running one (the vault is settled first). Refused for jobs that already ended.',
  })
  async cancelJob(@Arg('input', () => JobActionInput, { description: 'The job to cancel.' }) input: JobActionInput, @Ctx() context: StewardContext): Promise<JobPayload> {
    const { jobActions, jobs, idempotency } = context.services;
    const cancel = () => jobActions.cancel(currentActor(context), input.jobId);
    return { job: await idempotency.once(currentUser(context), 'cancelJob', input, cancel, byId((id) => jobs.getJob(id))) };
  }

  @Mutation(() => RunOnDemandTaskPayload, { description: 'Runs an On Demand task on a record now. Needs the Execute permission on the record.' })
  async runOnDemandTask(
    @Arg('input', () => RunOnDemandTaskInput, { description: 'The record and its On Demand task to run.' }) input: RunOnDemandTaskInput,
    @Ctx() context: StewardContext,
  ): Promise<RunOnDemandTaskPayload> {
    const { jobs, idempotency } = context.services;
    const user = currentUser(context);
    const run = () => jobs.runOnDemand(user, input.recordId, input.taskId);
    return { job: await idempotency.once(user, 'runOnDemandTask', input, run, byId((id) => jobs.viewJob(user, id))) };
  }
}
