import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { AuditOutcome, ClientRun, ClientRunTrigger, ClientTask, ClientTaskAssignment, ClientTaskCapability, EngineCommandKind, FINAL_JOB_STATES, Job, JobEvent, JobEventKind, JobState, JobType, ManagedSystem, type User } from '../../../db/entities';
import { randomizedOffsetMs } from '../../../lib/assignment-occurrences';
import { systemsInScope } from '../../assignments/scope';
import { actorOf, addAuditEvent, SYSTEM_ACTOR } from '../../shared/audit';
import type { EngineOutbox } from '../../jobs/engine-outbox';
import { type ClientTaskPermissions, isAdministrator } from '../permissions';
import { BadInputError, ConflictError, ForbiddenError } from '../../shared/errors';
import { type Page, type PageRequest, paginateNewestFirst } from '../../shared/pagination';
import { UUID } from '../../shared/validation';
import { findByIdOrNotFound } from '../../shared/find';

/** How many jobs of a run are in each state; `targeted` is all of them. */
export interface ClientRunCounts {
  targeted: number;
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  incompatible: number;
}

/** A job the run's workflow may start now. */
export interface DueClientJob {
  jobId: string;
  workflowId: string;
  systemId: string;
  clientTaskId: string;
  type: JobType;
  summary: string;
}

/** Which systems of an ended run a relaunch runs on again. */
export enum ClientRunRelaunchScope {
  /** The systems whose jobs ended in Error or were cancelled. */
  FAILED = 'FAILED',
}

const RELAUNCHED_STATES: Record<ClientRunRelaunchScope, readonly JobState[]> = {
  [ClientRunRelaunchScope.FAILED]: [JobState.ERROR, JobState.CANCELLED],
};

export const MAX_RUN_NOW_SYSTEMS = 10_000;
/** Systems resolved and jobs written per round trip when an assignment fires on a large scope. */
const FIRING_PAGE = 1000;

/** What a job needs of its system: it is named after it, and waits for the node that reaches it. */
type JobSystem = Pick<ManagedSystem, 'id' | 'name' | 'executionNode'>;

interface NewClientJob {
  system: JobSystem;
  scheduledFor: Date;
}

/** Client task runs: Run Client Task Now, firings of scheduled assignments, their live counts, and cancelling them. */
export class ClientRunService {
  constructor(
    private readonly em: EntityManager,
    private readonly permissions: ClientTaskPermissions,
    private readonly outbox: EngineOutbox,
  ) {}

  async run(id: string): Promise<ClientRun> {
    return findByIdOrNotFound(this.em, ClientRun, id, 'Client run');
  }

  /** A run, for a user who may view its task's product (a run of a deleted task: administrators only). */
  async viewRun(user: User, id: string): Promise<ClientRun> {
    const run = await this.run(id);
    await this.assertOnRun(user, run, ClientTaskCapability.VIEW);
    return run;
  }

  /** Runs of the products the user may view, newest first. */
  async listRuns(user: User, filter: { clientTaskId?: string | null; assignmentId?: string | null }, page: PageRequest): Promise<Page<ClientRun>> {
    const where: FilterQuery<ClientRun> = {};
    const task: FilterQuery<ClientTask> & Record<string, unknown> = {};
    if (!isAdministrator(user)) task.taskType = { product: { $in: await this.permissions.viewableProductIds(user) } };
    if (filter.clientTaskId) task.id = filter.clientTaskId;
    if (Object.keys(task).length) where.clientTask = task;
    if (filter.assignmentId) where.assignment = filter.assignmentId;
    return paginateNewestFirst(this.em, ClientRun, where, page);
  }

  /** Runs an enabled, approved client task on the chosen systems at once: one job per system. */
  async runNow(user: User, clientTaskId: string, systemIds: string[]): Promise<ClientRun> {
    const unique = [...new Set(systemIds)];
    if (!unique.length) throw new BadInputError('Choose at least one system', 'systemIds');
    if (unique.length > MAX_RUN_NOW_SYSTEMS) throw new BadInputError(`Run Now takes at most ${MAX_RUN_NOW_SYSTEMS} systems at a time`, 'systemIds');
    const malformed = unique.find((id) => !UUID.test(id));
    if (malformed) throw new BadInputError(`"${malformed}" is not a system ID`, 'systemIds');
    const task = await this.runnableTask(user, clientTaskId);
    const systems = await this.em.find(ManagedSystem, { id: { $in: unique } }, { fields: ['id', 'name', 'executionNode'], orderBy: { name: 'asc' } });
    const missing = unique.filter((id) => !systems.some((system) => system.id === id));
    if (missing.length) throw new BadInputError(`No system ${missing.join(', ')} exists`, 'systemIds');
    return this.startRunNow(user, task, systems, null);
  }

  /**
   * Runs the task of an ended run again on the systems whose jobs failed or were cancelled, as a new
   * Run Now linked to the original. The task must still be runnable by the user, as for Run Now.
   */
  async relaunch(user: User, runId: string, only: ClientRunRelaunchScope): Promise<ClientRun> {
    const original = await this.run(runId);
    await this.assertOnRun(user, original, ClientTaskCapability.VIEW);
    if (!original.clientTask) throw new ConflictError('The task of this run was deleted; there is nothing to run again');
    const task = await this.runnableTask(user, original.clientTask.id);
    if (await this.em.count(Job, { run: original.id, state: { $nin: [...FINAL_JOB_STATES] } })) {
      throw new ConflictError('The run is still going; relaunch it once every job has ended');
    }
    const ended = await this.em.find(Job, { run: original.id, state: { $in: [...RELAUNCHED_STATES[only]] } }, { fields: ['system'] });
    const systemIds = [...new Set(ended.flatMap((job) => (job.system ? [job.system.id] : [])))];
    const systems = await this.em.find(ManagedSystem, { id: { $in: systemIds } }, { fields: ['id', 'name', 'executionNode'], orderBy: { name: 'asc' } });
    if (!systems.length) throw new ConflictError('No job of the run failed or was cancelled on a system that still exists; there is nothing to relaunch');
    return this.startRunNow(user, task, systems, original);
  }

  private async startRunNow(user: User, task: ClientTask, systems: JobSystem[], relaunchedFrom: ClientRun | null): Promise<ClientRun> {
    const firedAt = new Date();
    const run = await this.em.transactional(async (em) => {
      const created = this.newRun(em, { clientTask: task, trigger: ClientRunTrigger.RUN_NOW, firedAt, requestedBy: user, relaunchedFrom });
      const reason = relaunchedFrom ? `Relaunched by ${user.username} from run ${relaunchedFrom.id}` : `Run Now by ${user.username}`;
      await this.insertJobs(em, created, task, JobType.ON_DEMAND, systems.map((system) => ({ system, scheduledFor: firedAt })), reason);
      addAuditEvent(em, {
        actor: actorOf(user),
        action: relaunchedFrom ? 'relaunchClientRun' : 'runClientTaskNow',
        target: relaunchedFrom ? { type: 'ClientRun', id: relaunchedFrom.id } : { type: 'ClientTask', id: task.id },
        outcome: AuditOutcome.SUCCESS,
        details: { runId: created.id, systems: systems.length },
      });
      return created;
    });
    await this.outbox.deliverSoon([run.workflowId]);
    return run;
  }

  /**
   * One firing of a scheduled assignment: a job for every system the assignment reaches now (in
   * `timeZone` for a local-time schedule), each starting at a deterministic point of the
   * randomization window from `startAt` (later than the fire time only for a missed run). Firing
   * twice finds the first run, so a retried activity never runs twice.
   */
  async fireAssignment(assignmentId: string, firedAt: Date, timeZone: string | null, startAt: Date = firedAt): Promise<ClientRun | null> {
    const existing = await this.em.findOne(ClientRun, { assignment: assignmentId, firedAt, timeZone });
    if (existing) {
      // A retried firing: its start was committed with the run; make sure it was delivered.
      await this.outbox.deliverSoon([existing.workflowId]);
      return existing;
    }
    const assignment = await this.em.findOne(ClientTaskAssignment, { id: assignmentId }, { populate: ['clientTask'] });
    const task = assignment?.clientTask.getEntity();
    // A disabled task, or one never approved, runs nowhere; the firing passes.
    if (!assignment || !task?.enabled || task.approvedRevision < 1) return null;
    const window = assignment.schedule.randomizationMinutes;
    const run = await this.em.transactional(async (em) => {
      const created = this.newRun(em, { clientTask: task, trigger: ClientRunTrigger.SCHEDULE, firedAt, assignment, timeZone });
      for (let afterId: string | undefined; ; ) {
        const page = await systemsInScope(em, assignmentId, { timeZone: timeZone ?? undefined, afterId, limit: FIRING_PAGE });
        if (!page.length) break;
        const jobs = page.map((system) => ({
          system,
          scheduledFor: new Date(startAt.getTime() + randomizedOffsetMs(`${created.id}:${system.id}`, window)),
        }));
        await this.insertJobs(em, created, task, JobType.SCHEDULED, jobs, `Scheduled by assignment ${assignmentId}`);
        afterId = page[page.length - 1]!.id;
      }
      addAuditEvent(em, {
        actor: SYSTEM_ACTOR,
        action: 'fireAssignment',
        target: { type: 'ClientTaskAssignment', id: assignmentId },
        outcome: AuditOutcome.SUCCESS,
        details: { runId: created.id, firedAt: firedAt.toISOString(), timeZone },
      });
      return created;
    });
    await this.outbox.deliverSoon([run.workflowId]);
    return run;
  }

  async counts(runId: string): Promise<ClientRunCounts> {
    const rows: { state: JobState; launched: boolean; count: string }[] = await this.em.getConnection().execute(
      `select "state", "launched_at" is not null as "launched", count(*) as "count" from "jobs" where "run_id" = ? group by 1, 2`,
      [runId],
    );
    const counts: ClientRunCounts = { targeted: 0, pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, incompatible: 0 };
    for (const row of rows) {
      const count = Number(row.count);
      counts.targeted += count;
      if (row.state === JobState.SCHEDULED) counts.pending += count;
      else if (row.state === JobState.RUNNING) counts.running += count;
      else if (row.state === JobState.COMPLETED) counts.completed += count;
      else if (row.state === JobState.ERROR) counts.failed += count;
      else if (row.state === JobState.CANCELLED) counts.cancelled += count;
      else counts.incompatible += count;
    }
    return counts;
  }

  /** Cancels every pending job of the run at once, and asks the running ones to stop on their hosts. */
  async cancelRun(user: User, runId: string): Promise<ClientRun> {
    const run = await this.run(runId);
    await this.assertOnRun(user, run, ClientTaskCapability.EDIT);
    const actor = actorOf(user);
    if (run.cancelledAt) throw new ConflictError('The run is already cancelled');
    const open = await this.em.count(Job, { run: run.id, state: { $nin: [...FINAL_JOB_STATES] } });
    if (!open) throw new ConflictError('Every job of the run has already ended');
    run.cancelledAt = new Date();
    const cancelled = await this.cancelWaitingJobs(run.id, `Cancelled with its run by ${actor.name}`);
    addAuditEvent(this.em, { actor, action: 'cancelClientRun', target: { type: 'ClientRun', id: run.id }, outcome: AuditOutcome.SUCCESS, details: { pendingCancelled: cancelled } });
    this.outbox.add(this.em, { kind: EngineCommandKind.CANCEL_CLIENT_RUN, workflowId: run.workflowId, subjectId: run.id });
    await this.em.flush();
    await this.outbox.deliverSoon([run.workflowId]);
    return run;
  }

  /** Cancels the run's jobs that its workflow has not started yet, in the given unit of work; returns how many. */
  cancelWaitingJobs(runId: string, reason: string, em: EntityManager = this.em): Promise<number> {
    return this.cancelWaiting(em, 'run_id', runId, reason);
  }

  /**
   * Cancels one job that waits in its run, before the run's workflow started it. Returns false when
   * the workflow already started it: then the job's own workflow must be cancelled.
   */
  async cancelWaitingJob(jobId: string, reason: string): Promise<boolean> {
    return (await this.cancelWaiting(this.em, 'id', jobId, reason)) > 0;
  }

  /** One statement, so a job is either cancelled here or claimed by its run's workflow, never both. */
  private async cancelWaiting(em: EntityManager, column: 'id' | 'run_id', value: string, reason: string): Promise<number> {
    const ids: { id: string }[] = await em.getConnection().execute(
      `update "jobs" set "state" = 'CANCELLED', "result" = ?, "finished_at" = now(), "updated_at" = now()
       where "${column}" = ? and "state" = 'SCHEDULED' and "launched_at" is null returning "id"`,
      [reason, value],
    );
    await this.addEvents(em, ids.map(({ id }) => id), JobEventKind.CANCELLED, reason);
    return ids.length;
  }

  /** Marks up to `limit` due jobs of the run as started and returns them, soonest first; also says when the next waiting one is due. */
  async claimDueJobs(runId: string, limit: number): Promise<{ jobs: DueClientJob[]; waiting: number; nextDueAt: string | null }> {
    const claimed: { id: string; workflow_id: string; system_id: string; client_task_id: string; type: JobType; task_name: string }[] = limit
      ? await this.em.getConnection().execute(
          `update "jobs" set "launched_at" = now(), "updated_at" = now() where "id" in (
             select "id" from "jobs" where "run_id" = ? and "state" = 'SCHEDULED' and "launched_at" is null and "scheduled_for" <= now()
             order by "scheduled_for", "id" limit ? for update skip locked)
           returning "id", "workflow_id", "system_id", "client_task_id", "type", "task_name"`,
          [runId, limit],
        )
      : [];
    const [next]: { waiting: string; next_due_at: Date | null }[] = await this.em.getConnection().execute(
      `select count(*) as "waiting", min("scheduled_for") as "next_due_at" from "jobs" where "run_id" = ? and "state" = 'SCHEDULED' and "launched_at" is null`,
      [runId],
    );
    return {
      jobs: claimed.map((row) => ({
        jobId: row.id,
        workflowId: row.workflow_id,
        systemId: row.system_id,
        clientTaskId: row.client_task_id,
        type: row.type,
        summary: row.task_name,
      })),
      waiting: Number(next?.waiting ?? 0),
      nextDueAt: next?.next_due_at ? new Date(next.next_due_at).toISOString() : null,
    };
  }

  /** The task to Run Now: the user may edit its product's tasks, and it is enabled and approved. */
  private async runnableTask(user: User, clientTaskId: string): Promise<ClientTask> {
    if (!UUID.test(clientTaskId)) throw new BadInputError(`No client task ${clientTaskId} exists`, 'clientTaskId');
    const task = await this.em.findOne(ClientTask, { id: clientTaskId });
    if (!task) throw new BadInputError(`No client task ${clientTaskId} exists`, 'clientTaskId');
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.EDIT);
    if (task.withdrawn) throw new ConflictError(`The client task "${task.name}" was withdrawn by the server that shared it; it runs nowhere (duplicate it to keep using it)`);
    if (!task.enabled) throw new ConflictError(`The client task "${task.name}" is disabled; enable it before running it`);
    if (task.approvedRevision < 1) throw new ConflictError(`The client task "${task.name}" has no approved version yet; it runs once its creation is approved`);
    return task;
  }

  private async assertOnRun(user: User, run: ClientRun, capability: ClientTaskCapability): Promise<void> {
    const task = run.clientTask ? await this.em.findOne(ClientTask, { id: run.clientTask.id }) : null;
    if (task) await this.permissions.assertOnTask(user, task, capability);
    else if (!isAdministrator(user)) throw new ForbiddenError('The task of this run was deleted; only an administrator may see or change the run');
  }

  private newRun(
    em: EntityManager,
    fields: {
      clientTask: ClientTask;
      trigger: ClientRunTrigger;
      firedAt: Date;
      requestedBy?: User;
      assignment?: ClientTaskAssignment;
      timeZone?: string | null;
      relaunchedFrom?: ClientRun | null;
    },
  ): ClientRun {
    const id = randomUUID();
    const run = em.create(ClientRun, {
      id,
      workflowId: `client-run-${id}`,
      clientTask: fields.clientTask,
      taskName: fields.clientTask.name,
      trigger: fields.trigger,
      firedAt: fields.firedAt,
      requestedBy: fields.requestedBy ?? null,
      assignment: fields.assignment ?? null,
      timeZone: fields.timeZone ?? null,
      relaunchedFrom: fields.relaunchedFrom ?? null,
    });
    // The run's workflow starts once the run commits, its jobs with it.
    this.outbox.add(em, { kind: EngineCommandKind.START_CLIENT_RUN, workflowId: run.workflowId, subjectId: run.id });
    return run;
  }

  /** Writes jobs in bulk (a firing may target many thousands of systems), each with its Scheduled event. */
  private async insertJobs(em: EntityManager, run: ClientRun, task: ClientTask, type: JobType, jobs: NewClientJob[], reason: string): Promise<void> {
    if (!jobs.length) return;
    await em.flush(); // the run row first, for the foreign key
    const now = new Date();
    const rows = jobs.map(({ system, scheduledFor }) => {
      const id = randomUUID();
      return {
        id,
        createdAt: now,
        updatedAt: now,
        system: system.id,
        clientTask: task.id,
        run: run.id,
        taskName: `${task.name} on ${system.name}`,
        type,
        state: JobState.SCHEDULED,
        // Shown while the job waits for that node; the worker that starts it confirms it.
        nodeName: system.executionNode,
        workflowId: `job-${id}`,
        scheduledFor,
        requestedBy: run.requestedBy?.id ?? null,
      };
    });
    await em.insertMany(Job, rows);
    await this.addEvents(em, rows.map((row) => row.id), JobEventKind.SCHEDULED, reason);
  }

  private async addEvents(em: EntityManager, jobIds: string[], kind: JobEventKind, message: string): Promise<void> {
    if (!jobIds.length) return;
    const at = new Date();
    await em.insertMany(
      JobEvent,
      jobIds.map((job) => ({ job, kind, message, at })),
    );
  }
}
