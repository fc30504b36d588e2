import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome } from '../../db/entities';
import { type ScannedHostKey, scanHostKey, SshConnectionError } from '../../infra/ssh';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError } from '../shared/errors';
import { assertHost, assertPort } from '../shared/validation';

/** Reads a host's SSH key for an administrator to confirm before pinning it on a record or system. */
export class HostKeyScanner {
  constructor(private readonly em: EntityManager) {}

  /** The key `host` presents on `port` (22 unless given); an unreachable host is bad input. */
  async scan(actor: Actor, host: string, port: number = 22): Promise<ScannedHostKey & { host: string; port: number }> {
    assertHost(host);
    assertPort(port);
    let key: ScannedHostKey;
    try {
      key = await scanHostKey(host, port);
    } catch (error) {
      if (error instanceof SshConnectionError) throw new BadInputError(`No SSH server answered at ${host}:${port}: ${error.message}`, 'host');
      throw error;
    }
    // Audited: it reaches out from the server to a host of the caller's choosing.
    addAuditEvent(this.em, { actor, action: 'scanHostKey', outcome: AuditOutcome.SUCCESS, details: { host, port, ...key } });
    await this.em.flush();
    return { host, port, ...key };
  }
}
