import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientTask, RegisteredServer } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import { decodePublicKey, fingerprintOf } from './ed25519-keys';

export interface RegisteredServerFields {
  name: string;
  graphqlUrl: string;
  publicKey: string;
  enabled: boolean;
}

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkedFields(fields: RegisteredServerFields): RegisteredServerFields {
  if (!SERVER_NAME.test(fields.name)) throw new BadInputError('A server name is 1-128 letters, digits, dots, dashes or underscores (its STEWARD_SERVER_NAME)', 'name');
  let url: URL;
  try {
    url = new URL(fields.graphqlUrl);
  } catch {
    throw new BadInputError('graphqlUrl must be an absolute URL', 'graphqlUrl');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BadInputError('graphqlUrl must be http or https', 'graphqlUrl');
  if (fields.graphqlUrl.length > 2048) throw new BadInputError('graphqlUrl is at most 2048 characters', 'graphqlUrl');
  try {
    decodePublicKey(fields.publicKey);
  } catch (error) {
    throw new BadInputError(`publicKey: ${(error as Error).message}`, 'publicKey');
  }
  return fields;
}

/**
 * The peers administrators trust: a registration holds the name the peer signs as, where to reach
 * it, and the Ed25519 key its bundles must verify with. Every change is audited with the key's
 * fingerprint, so a key swap is visible.
 */
export class RegisteredServerService {
  constructor(private readonly em: EntityManager) {}

  list(page: PageRequest): Promise<Page<RegisteredServer>> {
    return paginateNewestFirst(this.em, RegisteredServer, {}, page);
  }

  get(id: string): Promise<RegisteredServer> {
    return findByIdOrNotFound(this.em, RegisteredServer, id, 'Registered server');
  }

  async register(actor: Actor, fields: RegisteredServerFields): Promise<RegisteredServer> {
    const checked = checkedFields(fields);
    return this.uniqueName(checked.name, () =>
      this.em.transactional(async (em) => {
        const server = em.create(RegisteredServer, checked);
        addAuditEvent(em, { actor, action: 'registerServer', target: { type: 'RegisteredServer', id: server.id }, outcome: AuditOutcome.SUCCESS, details: this.auditDetails(server) });
        return server;
      }),
    );
  }

  /** Renaming a peer that has sent tasks would cut them off from it, so the name is fixed while it has any. */
  async update(actor: Actor, id: string, changes: Partial<RegisteredServerFields>, version: number): Promise<RegisteredServer> {
    const server = await this.get(id);
    const next = checkedFields({ name: changes.name ?? server.name, graphqlUrl: changes.graphqlUrl ?? server.graphqlUrl, publicKey: changes.publicKey ?? server.publicKey, enabled: changes.enabled ?? server.enabled });
    return this.uniqueName(next.name, () =>
      this.em.transactional(async (em) => {
        const current = await em.findOneOrFail(RegisteredServer, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        await em.lock(current, LockMode.OPTIMISTIC, version);
        if (next.name !== current.name && (await em.count(ClientTask, { origin: current.id }))) {
          throw new ConflictError(`${current.name} has sent tasks here; register the new name as another server instead of renaming`);
        }
        const previousFingerprint = fingerprintOf(current.publicKey);
        em.assign(current, next);
        addAuditEvent(em, { actor, action: 'updateRegisteredServer', target: { type: 'RegisteredServer', id }, outcome: AuditOutcome.SUCCESS, details: { ...this.auditDetails(current), previousFingerprint } });
        await em.flush();
        return current;
      }),
    );
  }

  /** A peer whose tasks are still here cannot be removed (disable it instead, or delete its tasks first). */
  async remove(actor: Actor, id: string, version: number): Promise<void> {
    await this.em.transactional(async (em) => {
      const server = await findByIdOrNotFound(em, RegisteredServer, id, 'Registered server');
      await em.lock(server, LockMode.OPTIMISTIC, version);
      const received = await em.count(ClientTask, { origin: server.id });
      if (received) throw new ConflictError(`${received} client task(s) received from ${server.name} are still here: disable the server, or delete them first`);
      addAuditEvent(em, { actor, action: 'removeRegisteredServer', target: { type: 'RegisteredServer', id }, outcome: AuditOutcome.SUCCESS, details: this.auditDetails(server) });
      em.remove(server);
    });
  }

  private auditDetails(server: RegisteredServer): Record<string, unknown> {
    return { name: server.name, graphqlUrl: server.graphqlUrl, fingerprint: fingerprintOf(server.publicKey), enabled: server.enabled };
  }

  private async uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`A server named "${name}" is already registered`);
      throw error;
    }
  }
}
