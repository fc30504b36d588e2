import type { VaultRecord } from '../../db/entities';
import type { VaultSecrets } from '../shared/vault-secrets';

/** What unlock and check-out hand out. */
export interface RevealedPassword {
  password: string;
  /** A rotation has not settled yet: the vault may hold the other password once it does. */
  unsettledRotation: boolean;
}

/**
 * The password the host last accepted: the pending one once a rotation changed it on the host
 * and has not settled, otherwise the current one. Both encrypted passwords must be loaded.
 */
export function passwordHostAccepts(record: VaultRecord, secrets: VaultSecrets): RevealedPassword {
  const pending = record.encryptedPendingPassword;
  return {
    password: secrets.open(record.id, pending && record.pendingAcceptedAt ? pending : record.encryptedPassword),
    unsettledRotation: pending != null,
  };
}
