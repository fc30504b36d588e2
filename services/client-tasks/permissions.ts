import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, type ClientTask, ClientTaskCapability, ClientTaskType, PermissionSetGrant, Product, ServerSettings, type User } from '../../db/entities';
import { Role } from '../../lib/enums';
import { actorOf, recordAuditEventNow } from '../shared/audit';
import { ForbiddenError } from '../shared/errors';

const CAPABILITY_WORDS: Record<ClientTaskCapability, string> = {
  [ClientTaskCapability.VIEW]: 'view',
  [ClientTaskCapability.EDIT]: 'create and edit',
  [ClientTaskCapability.APPROVE]: 'approve changes to',
};

export function isAdministrator(user: User): boolean {
  return user.hasRole(Role.SYSTEM_ADMINISTRATOR);
}

/**
 * What a user may do with each product's client tasks. System Administrators may do everything;
 * everyone else holds the union of the grants in their permission sets, and nothing without one.
 */
export class ClientTaskPermissions {
  constructor(private readonly em: EntityManager) {}

  async has(user: User, productId: string, capability: ClientTaskCapability): Promise<boolean> {
    if (isAdministrator(user)) return true;
    return (await this.grants(user, productId)).some((grant) => grant.capabilities.includes(capability));
  }

  /** Refuses with FORBIDDEN, and writes the refusal to the audit log. */
  async assert(user: User, productId: string, capability: ClientTaskCapability): Promise<void> {
    if (await this.has(user, productId, capability)) return;
    await recordAuditEventNow(this.em, {
      actor: actorOf(user),
      action: 'permissionRefused',
      target: { type: 'Product', id: productId },
      outcome: AuditOutcome.FAILURE,
      details: { capability },
    });
    const product = await this.em.findOne(Product, { id: productId });
    throw new ForbiddenError(`This needs a permission set that lets you ${CAPABILITY_WORDS[capability]} ${product?.name ?? 'this product'}’s client tasks`);
  }

  /**
   * The sharing rules, on top of the product grants. A task received from another server is
   * read-only here, to administrators too (an administrator may delete one its origin withdrew);
   * a shared task may be changed only by its owner, administrators included. Refusals are audited.
   */
  async assertMayChange(user: User, task: ClientTask, change: 'edit' | 'delete'): Promise<void> {
    let refusal: string | null = null;
    if (task.origin) {
      const deletingWithdrawn = change === 'delete' && task.withdrawn && isAdministrator(user);
      if (!deletingWithdrawn) refusal = `"${task.name}" was received from another server and is read-only here${task.withdrawn ? ' (an administrator may delete it now that its origin withdrew it)' : ''}; duplicate it to have a copy of your own`;
    } else if (task.shared && task.owner?.id !== user.id) {
      refusal = `"${task.name}" is shared with other servers: only its owner may ${change} it`;
    }
    if (!refusal) return;
    await recordAuditEventNow(this.em, {
      actor: actorOf(user),
      action: 'clientTaskChangeRefused',
      target: { type: 'ClientTask', id: task.id },
      outcome: AuditOutcome.FAILURE,
      details: { change, received: task.origin != null, shared: task.shared, ownerId: task.owner?.id ?? null },
    });
    throw new ForbiddenError(refusal);
  }

  /** The same check, for the product a task belongs to. */
  async assertOnTask(user: User, task: ClientTask, capability: ClientTaskCapability): Promise<void> {
    await this.assert(user, await this.productOf(task), capability);
  }

  async productOf(task: ClientTask): Promise<string> {
    return (await this.em.findOneOrFail(ClientTaskType, { id: task.taskType.id })).product.id;
  }

  /** The products whose client tasks the user may see; every grant includes VIEW. */
  async viewableProductIds(user: User): Promise<string[]> {
    if (isAdministrator(user)) return (await this.em.find(Product, {}, { fields: ['id'] })).map((product) => product.id);
    return [...new Set((await this.grants(user)).map((grant) => grant.product.id))];
  }

  /**
   * Whether the user's creations and changes of the product's client tasks wait for an approver:
   * when the server requires approval, or when every EDIT grant the user holds for the product says
   * so (sets add up, so one grant without approval is enough). Administrators follow the server setting.
   */
  async editNeedsApproval(user: User, productId: string): Promise<boolean> {
    if ((await this.em.findOneOrFail(ServerSettings, { id: 1 })).clientTaskApprovalRequired) return true;
    if (isAdministrator(user)) return false;
    const editGrants = (await this.grants(user, productId)).filter((grant) => grant.capabilities.includes(ClientTaskCapability.EDIT));
    return editGrants.length > 0 && editGrants.every((grant) => grant.editRequiresApproval);
  }

  private grants(user: User, productId?: string): Promise<PermissionSetGrant[]> {
    return this.em.find(PermissionSetGrant, { permissionSet: { users: user.id }, ...(productId ? { product: productId } : {}) });
  }
}
