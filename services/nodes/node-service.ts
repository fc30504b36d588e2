import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, WorkerNode } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { assertNodeName } from '../shared/validation';

/** Worker nodes: registered through the API, reported by their workers. */
export class NodeService {
  constructor(private readonly em: EntityManager) {}

  async register(actor: Actor, name: string, description?: string | null): Promise<WorkerNode> {
    assertNodeName(name);
    try {
      return await this.em.transactional(async (em) => {
        const node = em.create(WorkerNode, { name, description: description ?? null });
        addAuditEvent(em, { actor, action: 'registerNode', target: { type: 'Node', id: node.id }, outcome: AuditOutcome.SUCCESS, details: { name } });
        return node;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`A node named "${name}" is already registered`);
      throw error;
    }
  }

  list(): Promise<WorkerNode[]> {
    return this.em.find(WorkerNode, {}, { orderBy: { name: 'asc' } });
  }

  /** Tasks may name only registered nodes, or their jobs would wait for a worker that never comes. */
  async assertRegistered(name: string): Promise<void> {
    assertNodeName(name);
    if (!(await this.em.count(WorkerNode, { name }))) {
      throw new BadInputError(`No node named "${name}" is registered; register it with registerNode first`, 'executionNode');
    }
  }

  /** A worker of the node polled its queue at `at`, as Temporal saw it: for a keyless worker, which cannot report itself. */
  async noteSeen(name: string, at: Date): Promise<void> {
    await this.em.nativeUpdate(WorkerNode, { name, $or: [{ lastSeenAt: null }, { lastSeenAt: { $lt: at } }] }, { lastSeenAt: at });
  }

  /** A worker of the node is alive. */
  async reportSeen(name: string): Promise<void> {
    const updated = await this.em.nativeUpdate(WorkerNode, { name }, { lastSeenAt: new Date() });
    if (updated === 0) throw new Error(`node "${name}" is not registered: register it through GraphQL (registerNode) before starting its worker`);
  }
}
