import type { EntityManager } from '@mikro-orm/postgresql';
import { ClientRun, ClientTask, ClientTaskAssignment, ClientTaskType, FINAL_JOB_STATES, Job, JobState, ManagedSystem } from '../../../db/entities';
import { type ClientEndpointService, type EndpointRunOptions, type EndpointRunPlan, type EndpointRunRequest, type EndpointRunResult, isCompatible } from '../endpoint';
import type { NodeRunResult } from '../endpoint/node-run';
import { SystemState } from '../endpoint/system-state';
import type { JobService } from '../../jobs/job-service';
import { type SystemWait, UnreachableSystems } from './unreachable-systems';

/** What a client task job's workflow needs before it starts. */
export interface ClientJobPlan {
  /** False when the job ended before its workflow reached it (for example cancelled with its run). */
  runnable: boolean;
  /** The workflow that lets one client task at a time run on the system, and how it names the system. */
  lockWorkflowId: string;
  lockLabel: string;
  /** The assignment's "stop the task if it runs longer than" limit; null for the default. */
  runLimitMs: number | null;
  /** A job of an assignment firing: an unreachable system is waited for, or not, as its schedule's Run missed task says. */
  waitsForSystem?: boolean;
  /** The worker node that reaches the system, and where the system is, for that node to look at it. */
  nodeName?: string;
  address?: { host: string; port: number };
}

/** How starting a client job went: RUNNING, or the final state it ended in without running. */
export interface ClientJobStart {
  state: JobState;
  reason: string;
}

/** A client task job's lifecycle on the endpoint: planning, starting on the approved task version, and running over SSH. */
export class ClientJobService {
  private readonly unreachable: UnreachableSystems;

  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
    private readonly endpoint: ClientEndpointService,
  ) {
    this.unreachable = new UnreachableSystems(em, jobs);
  }

  async plan(jobId: string): Promise<ClientJobPlan> {
    const job = await this.em.findOne(Job, { id: jobId });
    if (!job?.system) return { runnable: false, lockWorkflowId: '', lockLabel: '', runLimitMs: null };
    const system = await this.em.findOneOrFail(ManagedSystem, { id: job.system.id });
    const run = job.run ? await this.em.findOne(ClientRun, { id: job.run.id }) : null;
    const assignment = run?.assignment ? await this.em.findOne(ClientTaskAssignment, { id: run.assignment.id }) : null;
    const stopAfter = assignment?.schedule.stopAfterMinutes;
    return {
      runnable: job.state === JobState.SCHEDULED,
      lockWorkflowId: `system-lock-${system.id}`,
      lockLabel: `system ${system.name} (${system.host}:${system.port})`,
      runLimitMs: stopAfter ? stopAfter * 60_000 : null,
      waitsForSystem: !!assignment,
      nodeName: system.executionNode,
      address: { host: system.host, port: system.port },
    };
  }

  /**
   * Before a job of an assignment firing starts: whether its system answers, and if not, whether
   * the job waits for it (and how long until it looks again) or ends, as UnreachableSystems decides.
   */
  async awaitSystem(jobId: string, attempt: number, probed?: string | null, now = new Date()): Promise<SystemWait> {
    const job = await this.em.findOne(Job, { id: jobId });
    const run = job?.run ? await this.em.findOne(ClientRun, { id: job.run.id }) : null;
    const assignment = run?.assignment ? await this.em.findOne(ClientTaskAssignment, { id: run.assignment.id }) : null;
    // Ended meanwhile, or no longer an assignment's: start() has the last word.
    if (!job?.system || job.state !== JobState.SCHEDULED || !run || !assignment) return { retryInMs: null, ended: null };
    const system = await this.em.findOneOrFail(ManagedSystem, { id: job.system.id });
    return this.unreachable.check(job, system, run, assignment, attempt, probed, now);
  }

  /**
   * Starts the job on the version of its task that is approved now, and records that revision. A
   * task that was deleted, disabled or never approved meanwhile does not run; neither does one
   * whose type does not support the system's operating system.
   */
  async start(jobId: string): Promise<ClientJobStart> {
    const job = await this.em.findOne(Job, { id: jobId });
    if (!job?.system || FINAL_JOB_STATES.includes(job.state)) return { state: JobState.CANCELLED, reason: 'Ended before it started' };
    const task = job.clientTask ? await this.em.findOne(ClientTask, { id: job.clientTask.id }) : null;
    const refusal = !task
      ? 'The client task was deleted before the job started'
      : !task.enabled
        ? `The client task "${task.name}" was disabled before the job started`
        : task.approvedRevision < 1
          ? `The client task "${task.name}" has no approved version yet`
          : null;
    if (refusal || !task) {
      await this.jobs.finish(jobId, JobState.CANCELLED, refusal ?? 'Cancelled');
      return { state: JobState.CANCELLED, reason: refusal ?? 'Cancelled' };
    }
    const system = await this.em.findOneOrFail(ManagedSystem, { id: job.system.id });
    const taskType = await this.em.findOneOrFail(ClientTaskType, { id: task.taskType.id });
    if (!isCompatible(taskType, system)) {
      const reason = `${taskType.name} does not support this system's operating system (${system.properties?.osFamily ?? 'unknown'}); it runs on ${taskType.supportedOs.join(', ')}`;
      await this.jobs.finish(jobId, JobState.INCOMPATIBLE, reason);
      return { state: JobState.INCOMPATIBLE, reason };
    }
    job.clientTaskRevision = task.approvedRevision;
    if (!(await this.jobs.markRunning(jobId, system.executionNode))) return { state: JobState.CANCELLED, reason: 'Ended before it started' };
    await this.jobs.recordStep(jobId, `Running revision ${task.approvedRevision} of "${task.name}"`);
    return { state: JobState.RUNNING, reason: 'Running' };
  }

  /** Runs the job's task on its system over SSH and keeps what the endpoint reported. Returns the job's one-line result. */
  async runOnSystem(jobId: string, options: EndpointRunOptions): Promise<string> {
    const outcome = await this.endpoint.run(await this.runRequest(jobId), options);
    return this.keepResult(jobId, outcome);
  }

  /** Everything the system's node needs to run the job's task there, its login included (sealed for that node on its way). */
  async planOnNode(jobId: string): Promise<EndpointRunPlan> {
    const request = await this.runRequest(jobId);
    const system = await this.em.findOneOrFail(ManagedSystem, { id: request.systemId });
    return this.endpoint.plan(request, system.executionNode);
  }

  /** Keeps what a run on the system's node reported, and the node's contact with the system. Returns the job's one-line result. */
  async recordFromNode(jobId: string, result: NodeRunResult): Promise<string> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    await new SystemState(this.em).recordReports(job.system!.id, result.systemReports);
    return this.keepResult(jobId, result);
  }

  private async runRequest(jobId: string): Promise<EndpointRunRequest> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    const task = await this.em.findOneOrFail(ClientTask, { id: job.clientTask!.id });
    return { systemId: job.system!.id, clientTaskTypeId: task.taskType.id, settings: task.settings, runLabel: job.id, jobId: job.id };
  }

  private async keepResult(jobId: string, outcome: EndpointRunResult): Promise<string> {
    await this.jobs.keepOutput(jobId, { output: outcome.output, report: outcome.report });
    await this.jobs.recordStep(jobId, outcome.summary);
    return outcome.summary;
  }
}
