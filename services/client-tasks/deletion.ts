import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientRun, ClientTask, ClientTaskAssignment, ClientTaskCapability, EngineCommandKind, FINAL_JOB_STATES, Job, type User } from '../../db/entities';
import { groupsAndSystemsReachedBy } from '../assignments/scope';
import { actorOf, addAuditEvent } from '../shared/audit';
import type { ClientRunService } from './runs/client-run-service';
import type { ClientTaskPermissions } from './permissions';
import type { EngineOutbox } from '../jobs/engine-outbox';
import { assignmentScheduleWorkflowId } from '../../lib/workflow-ids';
import { findByIdOrNotFound } from '../shared/find';

/** What deleting a client task affects: the tree nodes its assignments reach, and its runs still in progress. */
export interface ClientTaskDeletionImpact {
  groups: { id: string; name: string }[];
  systems: { id: string; name: string }[];
  assignments: number;
  /** Jobs not yet ended; deleting cancels them. */
  openJobs: number;
}

/** Deleting a client task: first the impact report, then the delete with every assignment, cancelling its upcoming runs. */
export class ClientTaskDeletion {
  constructor(
    private readonly em: EntityManager,
    private readonly permissions: ClientTaskPermissions,
    private readonly clientRuns: ClientRunService,
    private readonly outbox: EngineOutbox,
  ) {}

  async impact(user: User, clientTaskId: string): Promise<ClientTaskDeletionImpact> {
    const task = await this.task(this.em, clientTaskId);
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.EDIT);
    const reached = await groupsAndSystemsReachedBy(this.em, task.id);
    return {
      ...reached,
      assignments: await this.em.count(ClientTaskAssignment, { clientTask: task.id }),
      openJobs: await this.em.count(Job, { clientTask: task.id, state: { $nin: [...FINAL_JOB_STATES] } }),
    };
  }

  /**
   * Removes the task and all its assignments in one transaction, and cancels the jobs of its runs
   * that have not started; afterwards its running jobs are stopped on their hosts and the
   * assignments' schedules end. Runs and jobs stay in history under the task's name.
   */
  async delete(user: User, clientTaskId: string, version: number): Promise<ClientTaskDeletionImpact> {
    const impact = await this.impact(user, clientTaskId);
    await this.permissions.assertMayChange(user, await this.task(this.em, clientTaskId), 'delete');
    const actor = actorOf(user);
    const told = await this.em.transactional(async (em) => {
      const task = await this.task(em, clientTaskId);
      await em.lock(task, LockMode.OPTIMISTIC, version);
      const assignments = await em.find(ClientTaskAssignment, { clientTask: task.id }, { fields: ['id'] });
      const runs = await em.find(ClientRun, { clientTask: task.id, cancelledAt: null });
      const inProgress: string[] = [];
      for (const run of runs) {
        if (!(await em.count(Job, { run: run.id, state: { $nin: [...FINAL_JOB_STATES] } }))) continue;
        run.cancelledAt = new Date();
        this.outbox.add(em, { kind: EngineCommandKind.CANCEL_CLIENT_RUN, workflowId: run.workflowId, subjectId: run.id });
        inProgress.push(run.workflowId);
        await this.clientRuns.cancelWaitingJobs(run.id, `Cancelled: the client task "${task.name}" was deleted by ${actor.name}`, em);
      }
      addAuditEvent(em, {
        actor,
        action: 'deleteClientTask',
        target: { type: 'ClientTask', id: task.id },
        outcome: AuditOutcome.SUCCESS,
        details: { name: task.name, assignments: assignments.length, groups: impact.groups.length, systems: impact.systems.length, openJobs: impact.openJobs },
      });
      for (const { id } of assignments) this.outbox.add(em, { kind: EngineCommandKind.STOP_ASSIGNMENT_SCHEDULE, workflowId: assignmentScheduleWorkflowId(id), subjectId: id });
      em.remove(task);
      return [...inProgress, ...assignments.map(({ id }) => assignmentScheduleWorkflowId(id))];
    });
    await this.outbox.deliverSoon(told);
    return impact;
  }

  private async task(em: EntityManager, id: string): Promise<ClientTask> {
    return findByIdOrNotFound(em, ClientTask, id, 'Client task');
  }
}
