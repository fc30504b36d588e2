import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientTaskCapability, PermissionSet, PermissionSetGrant, Product, User } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { assertNotBlank, UUID } from '../shared/validation';
import { findByIdOrNotFound } from '../shared/find';

export interface ProductGrantInput {
  productId: string;
  capabilities: ClientTaskCapability[];
  editRequiresApproval?: boolean | null;
}

export interface PermissionSetChanges {
  name?: string | null;
  /** An empty string removes the description. */
  description?: string | null;
  /** Replaces every grant of the set. */
  grants?: ProductGrantInput[] | null;
}

interface ValidGrant {
  productId: string;
  capabilities: ClientTaskCapability[];
  editRequiresApproval: boolean;
}

const MAX_DESCRIPTION_LENGTH = 1000;

function assertSetName(name: string): string {
  assertNotBlank(name, 'name');
  const trimmed = name.trim();
  if (trimmed.length > 128) throw new BadInputError('A name is at most 128 characters', 'name');
  return trimmed;
}

function cleanDescription(description: string): string | null {
  const trimmed = description.trim();
  if (trimmed.length > MAX_DESCRIPTION_LENGTH) throw new BadInputError(`A description is at most ${MAX_DESCRIPTION_LENGTH} characters`, 'description');
  return trimmed || null;
}

/** Permission sets: administrators define them per product and give them to users. */
export class PermissionSetService {
  constructor(private readonly em: EntityManager) {}

  list(): Promise<PermissionSet[]> {
    return this.em.find(PermissionSet, {}, { orderBy: { name: 'asc' } });
  }

  async get(id: string): Promise<PermissionSet> {
    return findByIdOrNotFound(this.em, PermissionSet, id, 'Permission set');
  }

  grantsOf(set: PermissionSet): Promise<PermissionSetGrant[]> {
    return this.em.find(PermissionSetGrant, { permissionSet: set.id }, { populate: ['product'], orderBy: { product: { name: 'asc' } } });
  }

  async usersOf(set: PermissionSet): Promise<User[]> {
    const users = await set.users.load();
    return users.getItems().sort((a, b) => a.username.localeCompare(b.username));
  }

  async create(actor: Actor, name: string, description: string | null | undefined, grants: ProductGrantInput[]): Promise<PermissionSet> {
    const trimmed = assertSetName(name);
    const cleaned = description != null ? cleanDescription(description) : null;
    const valid = await this.validGrants(grants);
    return this.uniqueName(trimmed, () =>
      this.em.transactional(async (em) => {
        const set = em.create(PermissionSet, { name: trimmed, description: cleaned });
        for (const grant of valid) em.create(PermissionSetGrant, { permissionSet: set, product: grant.productId, capabilities: grant.capabilities, editRequiresApproval: grant.editRequiresApproval });
        addAuditEvent(em, { actor, action: 'createPermissionSet', target: { type: 'PermissionSet', id: set.id }, outcome: AuditOutcome.SUCCESS, details: { name: trimmed, grants: valid } });
        return set;
      }),
    );
  }

  /** A stale version is refused with CONFLICT. */
  async update(actor: Actor, id: string, changes: PermissionSetChanges, version: number): Promise<PermissionSet> {
    const existing = await this.get(id);
    const name = changes.name != null ? assertSetName(changes.name) : null;
    const description = changes.description != null ? cleanDescription(changes.description) : undefined;
    const grants = changes.grants != null ? await this.validGrants(changes.grants) : null;
    return this.uniqueName(name ?? existing.name, () =>
      this.em.transactional(async (em) => {
        const set = await em.findOneOrFail(PermissionSet, { id }, { lockMode: LockMode.OPTIMISTIC, lockVersion: version });
        if (name != null) set.name = name;
        if (description !== undefined) set.description = description;
        if (grants) {
          await em.nativeDelete(PermissionSetGrant, { permissionSet: set.id });
          for (const grant of grants) em.create(PermissionSetGrant, { permissionSet: set, product: grant.productId, capabilities: grant.capabilities, editRequiresApproval: grant.editRequiresApproval });
          // Grants live in their own rows; touching the set bumps its version, so a concurrent edit of them is refused too.
          set.updatedAt = new Date();
        }
        const changed = Object.entries(changes).filter(([, value]) => value != null).map(([key]) => key);
        addAuditEvent(em, { actor, action: 'updatePermissionSet', target: { type: 'PermissionSet', id }, outcome: AuditOutcome.SUCCESS, details: { changed, ...(grants ? { grants } : {}) } });
        return set;
      }),
    );
  }

  /** Its users lose what it granted at once. */
  async delete(actor: Actor, id: string): Promise<string> {
    const set = await this.get(id);
    await this.em.transactional(async (em) => {
      await em.nativeDelete(PermissionSet, { id });
      addAuditEvent(em, { actor, action: 'deletePermissionSet', target: { type: 'PermissionSet', id }, outcome: AuditOutcome.SUCCESS, details: { name: set.name } });
    });
    return id;
  }

  /** Giving a user a set they hold already changes nothing. */
  async assign(actor: Actor, setId: string, userId: string): Promise<{ permissionSet: PermissionSet; user: User }> {
    return this.membership(actor, setId, userId, 'assignPermissionSet', (set, user) => set.users.add(user));
  }

  async unassign(actor: Actor, setId: string, userId: string): Promise<{ permissionSet: PermissionSet; user: User }> {
    return this.membership(actor, setId, userId, 'unassignPermissionSet', (set, user) => set.users.remove(user));
  }

  private async membership(actor: Actor, setId: string, userId: string, action: string, change: (set: PermissionSet, user: User) => void): Promise<{ permissionSet: PermissionSet; user: User }> {
    const set = await this.get(setId);
    const user = await findByIdOrNotFound(this.em, User, userId, 'User');
    await set.users.init();
    change(set, user);
    addAuditEvent(this.em, { actor, action, target: { type: 'PermissionSet', id: set.id }, outcome: AuditOutcome.SUCCESS, details: { userId: user.id, username: user.username } });
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError('The set was given to this user at the same time; read it again');
      throw error;
    }
    return { permissionSet: set, user };
  }

  /** One grant per product; VIEW is added to EDIT and APPROVE, and editRequiresApproval needs EDIT. */
  private async validGrants(grants: ProductGrantInput[]): Promise<ValidGrant[]> {
    const productIds = grants.map((grant) => grant.productId);
    const unknown = productIds.filter((id) => !UUID.test(id));
    const known = new Set((await this.em.find(Product, { id: { $in: productIds.filter((id) => UUID.test(id)) } })).map((product) => product.id));
    unknown.push(...productIds.filter((id) => UUID.test(id) && !known.has(id)));
    if (unknown.length) throw new BadInputError(`No product ${unknown.join(', ')} exists`, 'grants');
    if (new Set(productIds).size !== productIds.length) throw new BadInputError('Grant each product once', 'grants');
    return grants.map((grant) => {
      if (grant.capabilities.length === 0) throw new BadInputError(`The grant for product ${grant.productId} has no capabilities`, 'grants');
      const editRequiresApproval = grant.editRequiresApproval ?? false;
      if (editRequiresApproval && !grant.capabilities.includes(ClientTaskCapability.EDIT)) {
        throw new BadInputError(`The grant for product ${grant.productId} requires approval of edits but does not allow EDIT`, 'grants');
      }
      const capabilities = Object.values(ClientTaskCapability).filter((capability) => capability === ClientTaskCapability.VIEW || grant.capabilities.includes(capability));
      return { productId: grant.productId, capabilities, editRequiresApproval };
    });
  }

  private async uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`A permission set named "${name}" already exists`);
      throw error;
    }
  }
}
