import type { EntityManager } from '@mikro-orm/postgresql';
import { type ManagedSystem, VaultRecord } from '../../../db/entities';
import { HostKeyMismatchError, SshAuthenticationError, type SshSession, withSshSession } from '../../../infra/ssh';
import type { VaultSecrets } from '../../shared/vault-secrets';
import { PermanentFailure } from '../../shared/permanent-failure';
import { reportHostKeyMismatch } from '../../systems/host-key-mismatch';

/**
 * Connects to a system as the account of its credential record, trusting only its pinned host
 * key. A refused key or password is permanent; an unreachable host is worth retrying.
 */
export async function withSystemConnection<T>(
  em: EntityManager,
  secrets: VaultSecrets,
  system: ManagedSystem,
  work: (ssh: SshSession, password: string) => Promise<T>,
): Promise<T> {
  if (!system.credentialRecord) throw new PermanentFailure(`System "${system.name}" has no credential record, so Steward cannot log in to it`);
  const record = await em.findOneOrFail(VaultRecord, { id: system.credentialRecord.id }, { populate: ['encryptedPassword'], refresh: true });
  const password = secrets.open(record.id, record.encryptedPassword);
  const target = { host: system.host, port: system.port, username: record.username, password, hostKeyFingerprint: system.hostKeyFingerprint };
  try {
    return await withSshSession(target, (ssh) => work(ssh, password));
  } catch (error) {
    if (error instanceof HostKeyMismatchError) {
      await reportHostKeyMismatch(em, error);
      throw new PermanentFailure(error.message);
    }
    if (error instanceof SshAuthenticationError) throw new PermanentFailure(`${system.host} refused the password the vault holds for ${record.username}`);
    throw error;
  }
}
