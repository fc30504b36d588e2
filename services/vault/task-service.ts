import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, Task, type User, VaultRecord } from '../../db/entities';
import { RecordPermission, Role, TaskSource } from '../../lib/enums';
import { actorOf, addAuditEvent } from '../shared/audit';
import { ConflictError, ForbiddenError, NotFoundError } from '../shared/errors';
import type { RecordAccess } from './record-access';
import type { RecordService } from './record-service';
import type { ShadowAccounts } from './shadow-accounts';
import type { NodeService } from '../nodes/node-service';
import type { TaskScheduler } from './task-scheduler';
import type { ScriptParameters } from '../../lib/script-parameters';
import { applyTaskSpec, assertTaskSpec, createTask, specOf, type TaskSpec } from './task-spec';
import { findByIdOrNotFound } from '../shared/find';

export interface ApplicableTask {
  task: Task;
  source: TaskSource;
}

export type TaskOwner = { recordTypeId: string } | { recordId: string };

/**
 * Task lists of record types and records: Add Task, Edit Policy, Remove Task, Make Unique and
 * Reset. Type tasks need System Administrator; a record's own tasks need Task Control: Manage on
 * it, and a task naming another record as its shadow account or target needs it on that record
 * too (services/vault/shadow-accounts.ts). A task of a record the user may not view is not found.
 * Every change reschedules the affected records' upcoming jobs.
 */
export class TaskService {
  constructor(
    private readonly em: EntityManager,
    private readonly records: RecordService,
    private readonly access: RecordAccess,
    private readonly shadows: ShadowAccounts,
    private readonly scheduler: TaskScheduler,
    private readonly nodes: NodeService,
  ) {}

  async applicableTasks(record: VaultRecord): Promise<ApplicableTask[]> {
    const source = record.tasksUnique ? TaskSource.RECORD : TaskSource.RECORD_TYPE;
    return (await this.records.tasksOf(record)).map((task) => ({ task, source }));
  }

  async addTask(user: User, owner: TaskOwner, spec: TaskSpec): Promise<Task> {
    if ('recordTypeId' in owner) {
      this.assertAdministrator(user);
      const recordType = await this.records.getRecordType(owner.recordTypeId);
      await this.shadows.assertTaskChoice(user, { recordTypeId: recordType.id }, spec);
      await assertTaskSpec(this.em, this.nodes, spec);
      const task = await this.write(user, 'addTask', () => createTask(this.em, { recordType }, spec));
      await this.rescheduleType(recordType.id, `task "${task.name}" was added to the record type`);
      return task;
    }
    const record = await this.manageableRecord(user, owner.recordId);
    if (!record.tasksUnique) throw new ConflictError('The record inherits its type’s tasks: Make Unique first to give it its own');
    await this.shadows.assertTaskChoice(user, { record }, spec);
    await assertTaskSpec(this.em, this.nodes, spec);
    const task = await this.write(user, 'addTask', () => createTask(this.em, { record }, spec));
    await this.scheduler.rescheduleRecord(record.id, `task "${task.name}" was added`);
    return task;
  }

  /** Edit Policy: another script, other events, window or node. */
  async updateTask(user: User, taskId: string, spec: TaskSpec, version: number): Promise<Task> {
    const task = await this.editableTask(user, taskId);
    const owner = task.record ? { record: await task.record.loadOrFail() } : { recordTypeId: task.recordType!.id };
    await this.shadows.assertTaskChoice(user, owner, spec);
    await assertTaskSpec(this.em, this.nodes, spec);
    await this.em.lock(task, LockMode.OPTIMISTIC, version);
    await this.write(user, 'updateTask', () => applyTaskSpec(task, spec), { type: 'Task', id: task.id });
    await this.rescheduleOwnerOf(task, `task "${task.name}" changed`);
    return task;
  }

  /** Edit Script: the task's script settings, e.g. a custom command and its parameters. */
  async editScript(user: User, taskId: string, scriptParameters: ScriptParameters, version: number): Promise<Task> {
    const task = await this.editableTask(user, taskId);
    return this.updateTask(user, taskId, { ...specOf(task), scriptParameters }, version);
  }

  async removeTask(user: User, taskId: string): Promise<void> {
    const task = await this.editableTask(user, taskId);
    const name = task.name;
    await this.write(user, 'removeTask', () => this.em.remove(task), { type: 'Task', id: task.id });
    await this.rescheduleOwnerOf(task, `task "${name}" was removed`);
  }

  /** Copies the type's tasks onto the record and breaks inheritance. */
  async makeUnique(user: User, recordId: string): Promise<VaultRecord> {
    const record = await this.manageableRecord(user, recordId);
    if (record.tasksUnique) throw new ConflictError('The record already has its own tasks');
    const inherited = await this.records.tasksOf(record);
    await this.write(user, 'makeRecordTasksUnique', () => {
      // Copies keep the type's order: task lists are ordered by creation time.
      const now = Date.now();
      inherited.forEach((task, index) => {
        createTask(this.em, { record }, specOf(task)).createdAt = new Date(now + index);
      });
      record.tasksUnique = true;
    }, { type: 'Record', id: record.id });
    await this.scheduler.rescheduleRecord(record.id, 'the record’s tasks were made unique');
    return record;
  }

  /** Drops the record's own tasks and inherits its type's again. */
  async resetInheritance(user: User, recordId: string): Promise<VaultRecord> {
    const record = await this.manageableRecord(user, recordId);
    if (!record.tasksUnique) throw new ConflictError('The record already inherits its type’s tasks');
    const own = await this.em.find(Task, { record: record.id });
    await this.write(user, 'resetRecordTasks', () => {
      own.forEach((task) => this.em.remove(task));
      record.tasksUnique = false;
    }, { type: 'Record', id: record.id });
    await this.scheduler.rescheduleRecord(record.id, 'the record inherits its type’s tasks again');
    return record;
  }

  /** Every record that inherits the type's tasks gets its upcoming jobs recomputed. */
  async rescheduleType(recordTypeId: string, reason: string): Promise<void> {
    for (const record of await this.em.find(VaultRecord, { recordType: recordTypeId, tasksUnique: false })) {
      await this.scheduler.rescheduleRecord(record.id, reason);
    }
  }

  private async rescheduleOwnerOf(task: Task, reason: string): Promise<void> {
    if (task.record) await this.scheduler.rescheduleRecord(task.record.id, reason);
    else if (task.recordType) await this.rescheduleType(task.recordType.id, reason);
  }

  /** A record's task needs Task Control: Manage on the record, a type's task the administrator; one the user may not see is not found. */
  private async editableTask(user: User, taskId: string): Promise<Task> {
    const task = await findByIdOrNotFound(this.em, Task, taskId, 'Task');
    if (task.record) {
      await this.access.require(user, task.record.id, RecordPermission.TASK_CONTROL_MANAGE, new NotFoundError('Task', taskId));
    } else if (!user.hasRole(Role.SYSTEM_ADMINISTRATOR)) {
      if (!(await this.access.mayViewRecordType(user, task.recordType!.id))) throw new NotFoundError('Task', taskId);
      this.assertAdministrator(user);
    }
    return task;
  }

  private manageableRecord(user: User, recordId: string): Promise<VaultRecord> {
    return this.access.require(user, recordId, RecordPermission.TASK_CONTROL_MANAGE);
  }

  private assertAdministrator(user: User): void {
    if (!user.hasRole(Role.SYSTEM_ADMINISTRATOR)) throw new ForbiddenError('Editing a record type’s tasks needs the System Administrator role');
  }

  /** The change and its audit entry commit together: one flush is one transaction. */
  private async write<T>(user: User, action: string, change: () => T, target?: { type: 'Task' | 'Record'; id: string }): Promise<T> {
    const result = change();
    const id = target?.id ?? (result as { id?: string } | undefined)?.id ?? '';
    addAuditEvent(this.em, { actor: actorOf(user), action, target: { type: target?.type ?? 'Task', id }, outcome: AuditOutcome.SUCCESS });
    await this.em.flush();
    return result;
  }
}
