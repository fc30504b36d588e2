import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, User, UserGroup } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { ConflictError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import { assertNotBlank } from '../shared/validation';

/** User groups, which administrators create and fill; record grants name them (services/vault/record-grants.ts). */
export class UserGroupService {
  constructor(private readonly em: EntityManager) {}

  list(page: PageRequest): Promise<Page<UserGroup>> {
    return paginateNewestFirst(this.em, UserGroup, {}, page);
  }

  get(groupId: string): Promise<UserGroup> {
    return findByIdOrNotFound(this.em, UserGroup, groupId, 'User group');
  }

  async members(group: UserGroup): Promise<User[]> {
    return (await group.members.load({ orderBy: { username: 'asc' } })).getItems();
  }

  async create(actor: Actor, name: string): Promise<UserGroup> {
    assertNotBlank(name, 'name');
    return this.uniqueName(name, async () => {
      const group = this.em.create(UserGroup, { name: name.trim() });
      this.audit(actor, 'createUserGroup', group, { name: group.name });
      await this.em.flush();
      return group;
    });
  }

  /** `version` is the one the caller read (optimistic locking). */
  async rename(actor: Actor, groupId: string, name: string, version: number): Promise<UserGroup> {
    assertNotBlank(name, 'name');
    const group = await this.get(groupId);
    await this.em.lock(group, LockMode.OPTIMISTIC, version);
    return this.uniqueName(name, async () => {
      const previous = group.name;
      group.name = name.trim();
      this.audit(actor, 'renameUserGroup', group, { from: previous, to: group.name });
      await this.em.flush();
      return group;
    });
  }

  /** Deletes the group; its grants go with it. */
  async delete(actor: Actor, groupId: string): Promise<void> {
    const group = await this.get(groupId);
    this.em.remove(group);
    this.audit(actor, 'deleteUserGroup', group, { name: group.name });
    await this.em.flush();
  }

  async addMember(actor: Actor, groupId: string, userId: string): Promise<UserGroup> {
    const [group, user] = await this.groupAndUser(groupId, userId);
    if (!group.members.contains(user)) group.members.add(user);
    this.audit(actor, 'addUserGroupMember', group, { userId: user.id });
    await this.em.flush();
    return group;
  }

  async removeMember(actor: Actor, groupId: string, userId: string): Promise<UserGroup> {
    const [group, user] = await this.groupAndUser(groupId, userId);
    group.members.remove(user);
    this.audit(actor, 'removeUserGroupMember', group, { userId: user.id });
    await this.em.flush();
    return group;
  }

  private async groupAndUser(groupId: string, userId: string): Promise<[UserGroup, User]> {
    const group = await this.get(groupId);
    const user = await findByIdOrNotFound(this.em, User, userId, 'User');
    await group.members.init();
    return [group, user];
  }

  private async uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`A user group named "${name.trim()}" already exists`);
      throw error;
    }
  }

  private audit(actor: Actor, action: string, group: UserGroup, details: Record<string, unknown>): void {
    addAuditEvent(this.em, { actor, action, target: { type: 'UserGroup', id: group.id }, outcome: AuditOutcome.SUCCESS, details });
  }
}
