import type { EntityManager } from '@mikro-orm/postgresql';
import { type ManagedSystem, VaultRecord } from '../../../db/entities';
import { HostKeyMismatchError, SshAuthenticationError, type SshSession, type SshTarget, withSshSession } from '../../../infra/ssh';
import type { VaultSecrets } from '../../shared/vault-secrets';
import { PermanentFailure } from '../../shared/permanent-failure';
import { reportHostKeyMismatch } from '../../systems/host-key-mismatch';

/** The login to a system: the account and current password of its credential record, and its pinned host key. */
export async function systemLogin(em: EntityManager, secrets: VaultSecrets, system: ManagedSystem): Promise<SshTarget> {
  if (!system.credentialRecord) throw new PermanentFailure(`System "${system.name}" has no credential record, so Steward cannot log in to it`);
  const record = await em.findOneOrFail(VaultRecord, { id: system.credentialRecord.id }, { populate: ['encryptedPassword'], refresh: true });
  const password = secrets.open(record.id, record.encryptedPassword);
  return { host: system.host, port: system.port, username: record.username, password, hostKeyFingerprint: system.hostKeyFingerprint };
}

/**
 * Connects to a system with its login, trusting only its pinned host key. A refused key or
 * password is permanent; an unreachable host is worth retrying.
 */
export async function withSystemConnection<T>(em: EntityManager, target: SshTarget, work: (ssh: SshSession) => Promise<T>): Promise<T> {
  try {
    return await withSshSession(target, work);
  } catch (error) {
    if (error instanceof HostKeyMismatchError) {
      await reportHostKeyMismatch(em, error);
      throw new PermanentFailure(error.message);
    }
    if (error instanceof SshAuthenticationError) throw new PermanentFailure(`${target.host} refused the password the vault holds for ${target.username}`);
    throw error;
  }
}
