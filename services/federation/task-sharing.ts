import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientTask, ClientTaskCapability, User } from '../../db/entities';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { UUID } from '../shared/validation';
import type { ClientTaskApprovals } from '../client-tasks/approvals';
import type { ClientTaskPermissions } from '../client-tasks/permissions';

/**
 * Marking client tasks shared and who owns them. The Share Client Tasks server task sends the
 * approved revision of every shared task to the registered peers, and a tombstone for one that
 * is unshared; while a task is shared only its owner may change it (ClientTaskPermissions.assertMayChange).
 */
export class ClientTaskSharing {
  constructor(
    private readonly em: EntityManager,
    private readonly permissions: ClientTaskPermissions,
    private readonly approvals: ClientTaskApprovals,
  ) {}

  /**
   * Marking needs EDIT on the product; a task nobody owns becomes the marker's. Unmarking changes a
   * shared task, so only its owner may. A change awaiting approval must be decided first, so what
   * peers get is never something its owner did not propose.
   */
  async setShared(user: User, clientTaskId: string, shared: boolean, version: number): Promise<ClientTask> {
    const task = await findByIdOrNotFound(this.em, ClientTask, clientTaskId, 'Client task');
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.EDIT);
    await this.permissions.assertMayChange(user, task, 'edit');
    return this.em.transactional(async (em) => {
      const current = await em.findOneOrFail(ClientTask, { id: task.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      await em.lock(current, LockMode.OPTIMISTIC, version);
      if (current.shared === shared) return current;
      if (shared && (await this.approvals.pendingChangeOf(current, em))) throw new ConflictError(`A change to "${current.name}" awaits approval; approve or reject it before sharing the task`);
      current.shared = shared;
      if (shared && !current.owner) current.owner = ref(user);
      addAuditEvent(em, { actor: actorOf(user), action: 'setClientTaskShared', target: { type: 'ClientTask', id: current.id }, outcome: AuditOutcome.SUCCESS, details: { shared, ownerId: current.owner?.id ?? null } });
      await em.flush();
      return current;
    });
  }

  /** An administrator's act (the resolver requires the role): the new owner is the only one who may change the task while it is shared. */
  async transferOwnership(admin: User, clientTaskId: string, newOwnerId: string, version: number): Promise<ClientTask> {
    const task = await findByIdOrNotFound(this.em, ClientTask, clientTaskId, 'Client task');
    if (task.origin) await this.permissions.assertMayChange(admin, task, 'edit');
    const owner = UUID.test(newOwnerId) ? await this.em.findOne(User, { id: newOwnerId }) : null;
    if (!owner || owner.disabledAt) throw new BadInputError(`No enabled user ${newOwnerId} exists`, 'ownerId');
    return this.em.transactional(async (em) => {
      const current = await em.findOneOrFail(ClientTask, { id: task.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      await em.lock(current, LockMode.OPTIMISTIC, version);
      const previousOwnerId = current.owner?.id ?? null;
      current.owner = ref(owner);
      addAuditEvent(em, { actor: actorOf(admin), action: 'transferClientTaskOwnership', target: { type: 'ClientTask', id: current.id }, outcome: AuditOutcome.SUCCESS, details: { previousOwnerId, ownerId: owner.id } });
      await em.flush();
      return current;
    });
  }

  owner(task: ClientTask): Promise<User | null> {
    return task.owner ? this.em.findOne(User, { id: task.owner.id }) : Promise.resolve(null);
  }
}
