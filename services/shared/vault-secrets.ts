import type { MasterKeys } from '../../lib/master-keyring';
import { SecretBox } from '../../lib/secret-box';

/**
 * Seals record passwords. Every password of a record (current, pending, history) is bound to
 * that record, so a rotation can move a sealed value between columns without decrypting it.
 */
export class VaultSecrets {
  private readonly box: SecretBox;

  constructor(masterKeys: MasterKeys) {
    this.box = new SecretBox(masterKeys, 'vault-record-password');
  }

  seal(recordId: string, password: string): string {
    return this.box.encrypt(password, `record:${recordId}:password`);
  }

  open(recordId: string, sealed: string): string {
    return this.box.decrypt(sealed, `record:${recordId}:password`);
  }
}
