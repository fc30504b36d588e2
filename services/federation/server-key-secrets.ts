import type { MasterKeys } from '../../lib/master-keyring';
import { SecretBox } from '../../lib/secret-box';

/** Seals this server's private signing keys with the master key, each bound to its own row. */
export class ServerKeySecrets {
  private readonly box: SecretBox;

  constructor(masterKeys: MasterKeys) {
    this.box = new SecretBox(masterKeys, 'server-signing-key');
  }

  seal(keyId: string, privateKeyPkcs8: Buffer): string {
    return this.box.encrypt(privateKeyPkcs8.toString('base64'), `server-key:${keyId}`);
  }

  open(keyId: string, sealed: string): Buffer {
    return Buffer.from(this.box.decrypt(sealed, `server-key:${keyId}`), 'base64');
  }
}
