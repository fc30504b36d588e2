import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ManagedSystem, SystemGroup, VaultRecord } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { assertFingerprint, assertHost, assertNotBlank, assertPort, assertTimeZone, UUID } from '../shared/validation';
import { findByIdOrNotFound } from '../shared/find';
import type { NodeService } from '../nodes/node-service';
import { LOCAL_NODE } from '../../lib/nodes';

export interface SystemFields {
  name: string;
  groupId: string;
  host: string;
  port?: number | null;
  credentialRecordId?: string | null;
  hostKeyFingerprint: string;
  timeZone?: string | null;
  executionNode?: string | null;
}

export interface SystemChanges {
  name?: string | null;
  host?: string | null;
  port?: number | null;
  credentialRecordId?: string | null;
  hostKeyFingerprint?: string | null;
  timeZone?: string | null;
  executionNode?: string | null;
}

function assertName(name: string): string {
  assertNotBlank(name, 'name');
  const trimmed = name.trim();
  if (trimmed.length > 128) throw new BadInputError('A name is at most 128 characters', 'name');
  return trimmed;
}

/** Groups, subgroups and managed systems. Every change is audited and validated before anything is written. */
export class SystemTreeService {
  constructor(
    private readonly em: EntityManager,
    private readonly nodes: NodeService,
  ) {}

  roots(): Promise<SystemGroup[]> {
    return this.em.find(SystemGroup, { parent: null }, { orderBy: { name: 'asc' } });
  }

  async getGroup(id: string): Promise<SystemGroup> {
    return findByIdOrNotFound(this.em, SystemGroup, id, 'Group');
  }

  async getSystem(id: string): Promise<ManagedSystem> {
    return findByIdOrNotFound(this.em, ManagedSystem, id, 'System');
  }

  children(group: SystemGroup): Promise<SystemGroup[]> {
    return this.em.find(SystemGroup, { parent: group.id }, { orderBy: { name: 'asc' } });
  }

  systems(group: SystemGroup): Promise<ManagedSystem[]> {
    return this.em.find(ManagedSystem, { group: group.id }, { orderBy: { name: 'asc' } });
  }

  /** The group's ancestors and the group itself, root first. */
  async path(group: SystemGroup): Promise<SystemGroup[]> {
    const path = [group];
    const seen = new Set([group.id]);
    let current = group;
    while (current.parent) {
      const parent = await this.em.findOneOrFail(SystemGroup, { id: current.parent.id });
      if (seen.has(parent.id)) break;
      seen.add(parent.id);
      path.unshift(parent);
      current = parent;
    }
    return path;
  }

  async createGroup(actor: Actor, name: string, parentId: string): Promise<SystemGroup> {
    const trimmed = assertName(name);
    const parent = await this.parentGroup(parentId);
    return this.em.transactional(async (em) => {
      const group = em.create(SystemGroup, { name: trimmed, parent: ref(parent) });
      addAuditEvent(em, { actor, action: 'createGroup', target: { type: 'SystemGroup', id: group.id }, outcome: AuditOutcome.SUCCESS, details: { name: trimmed, parentId } });
      return group;
    });
  }

  async renameGroup(actor: Actor, groupId: string, name: string, version: number): Promise<SystemGroup> {
    const trimmed = assertName(name);
    const group = await this.getGroup(groupId);
    await this.em.lock(group, LockMode.OPTIMISTIC, version);
    group.name = trimmed;
    addAuditEvent(this.em, { actor, action: 'renameGroup', target: { type: 'SystemGroup', id: group.id }, outcome: AuditOutcome.SUCCESS, details: { name: trimmed } });
    await this.em.flush();
    return group;
  }

  /** Moves a group under another; moving it under itself or one of its descendants is refused. */
  async moveGroup(actor: Actor, groupId: string, parentId: string, version: number): Promise<SystemGroup> {
    const group = await this.getGroup(groupId);
    const parent = await this.parentGroup(parentId);
    const ancestors = await this.path(parent);
    if (ancestors.some((ancestor) => ancestor.id === group.id)) {
      throw new BadInputError(`Group "${group.name}" cannot move under itself or one of its own subgroups`, 'parentId');
    }
    await this.em.lock(group, LockMode.OPTIMISTIC, version);
    group.parent = ref(parent);
    addAuditEvent(this.em, { actor, action: 'moveGroup', target: { type: 'SystemGroup', id: group.id }, outcome: AuditOutcome.SUCCESS, details: { parentId } });
    await this.em.flush();
    return group;
  }

  /** Deletes an empty group: one with neither subgroups nor systems. */
  async deleteGroup(actor: Actor, groupId: string): Promise<string> {
    const group = await this.getGroup(groupId);
    if (!group.parent) throw new ConflictError('The root group cannot be deleted');
    const [subgroups, systems] = await Promise.all([this.em.count(SystemGroup, { parent: group.id }), this.em.count(ManagedSystem, { group: group.id })]);
    if (subgroups || systems) {
      throw new ConflictError(`Group "${group.name}" still holds ${subgroups} subgroup(s) and ${systems} system(s); move or delete them first`);
    }
    this.em.remove(group);
    addAuditEvent(this.em, { actor, action: 'deleteGroup', target: { type: 'SystemGroup', id: group.id }, outcome: AuditOutcome.SUCCESS, details: { name: group.name } });
    await this.em.flush();
    return group.id;
  }

  async createSystem(actor: Actor, fields: SystemFields): Promise<ManagedSystem> {
    const name = assertName(fields.name);
    assertHost(fields.host);
    if (fields.port != null) assertPort(fields.port);
    assertFingerprint(fields.hostKeyFingerprint);
    if (fields.timeZone != null) assertTimeZone(fields.timeZone);
    const group = await this.parentGroup(fields.groupId, 'groupId');
    const credential = fields.credentialRecordId ? await this.credentialRecord(fields.credentialRecordId) : null;
    const executionNode = fields.executionNode ?? LOCAL_NODE;
    await this.nodes.assertRegistered(executionNode);
    return this.em.transactional(async (em) => {
      const system = em.create(ManagedSystem, {
        name,
        group: ref(group),
        host: fields.host,
        port: fields.port ?? 22,
        credentialRecord: credential ? ref(credential) : null,
        hostKeyFingerprint: fields.hostKeyFingerprint,
        timeZone: fields.timeZone ?? 'UTC',
        executionNode,
      });
      addAuditEvent(em, { actor, action: 'createSystem', target: { type: 'ManagedSystem', id: system.id }, outcome: AuditOutcome.SUCCESS, details: { name, groupId: group.id } });
      return system;
    });
  }

  async updateSystem(actor: Actor, systemId: string, changes: SystemChanges, version: number): Promise<ManagedSystem> {
    const system = await this.getSystem(systemId);
    const name = changes.name != null ? assertName(changes.name) : null;
    if (changes.host != null) assertHost(changes.host);
    if (changes.port != null) assertPort(changes.port);
    if (changes.hostKeyFingerprint != null) assertFingerprint(changes.hostKeyFingerprint);
    if (changes.timeZone != null) assertTimeZone(changes.timeZone);
    const credential = changes.credentialRecordId ? await this.credentialRecord(changes.credentialRecordId) : null;
    if (changes.executionNode != null) await this.nodes.assertRegistered(changes.executionNode);
    await this.em.lock(system, LockMode.OPTIMISTIC, version);
    if (name != null) system.name = name;
    if (changes.host != null) system.host = changes.host;
    if (changes.port != null) system.port = changes.port;
    if (credential) system.credentialRecord = ref(credential);
    if (changes.hostKeyFingerprint != null) system.hostKeyFingerprint = changes.hostKeyFingerprint;
    if (changes.timeZone != null) system.timeZone = changes.timeZone;
    if (changes.executionNode != null) system.executionNode = changes.executionNode;
    const changed = Object.entries(changes).filter(([, value]) => value != null).map(([key]) => key);
    addAuditEvent(this.em, { actor, action: 'updateSystem', target: { type: 'ManagedSystem', id: system.id }, outcome: AuditOutcome.SUCCESS, details: { changed } });
    await this.em.flush();
    return system;
  }

  async moveSystem(actor: Actor, systemId: string, groupId: string, version: number): Promise<ManagedSystem> {
    const system = await this.getSystem(systemId);
    const group = await this.parentGroup(groupId, 'groupId');
    await this.em.lock(system, LockMode.OPTIMISTIC, version);
    system.group = ref(group);
    addAuditEvent(this.em, { actor, action: 'moveSystem', target: { type: 'ManagedSystem', id: system.id }, outcome: AuditOutcome.SUCCESS, details: { groupId } });
    await this.em.flush();
    return system;
  }

  async deleteSystem(actor: Actor, systemId: string): Promise<string> {
    const system = await this.getSystem(systemId);
    this.em.remove(system);
    addAuditEvent(this.em, { actor, action: 'deleteSystem', target: { type: 'ManagedSystem', id: system.id }, outcome: AuditOutcome.SUCCESS, details: { name: system.name } });
    await this.em.flush();
    return system.id;
  }

  /** A group named as a destination; an unknown one is bad input, not a missing target. */
  private async parentGroup(id: string, field = 'parentId'): Promise<SystemGroup> {
    const group = UUID.test(id) ? await this.em.findOne(SystemGroup, { id }) : null;
    if (!group) throw new BadInputError(`No group ${id} exists`, field);
    return group;
  }

  private async credentialRecord(id: string): Promise<VaultRecord> {
    const record = UUID.test(id) ? await this.em.findOne(VaultRecord, { id }) : null;
    if (!record) throw new BadInputError(`No record ${id} exists`, 'credentialRecordId');
    return record;
  }
}
