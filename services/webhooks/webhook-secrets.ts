import { createHash } from 'node:crypto';
import type { MasterKeys } from '../../lib/master-keyring';
import { SecretBox } from '../../lib/secret-box';

/** Seals webhook signing secrets with the master key, each bound to its webhook. */
export class WebhookSecrets {
  private readonly box: SecretBox;

  constructor(masterKeys: MasterKeys) {
    this.box = new SecretBox(masterKeys, 'webhook-secret');
  }

  seal(webhookId: string, secret: string): string {
    return this.box.encrypt(secret, `webhook:${webhookId}:secret`);
  }

  open(webhookId: string, sealed: string): string {
    return this.box.decrypt(sealed, `webhook:${webhookId}:secret`);
  }
}

/** Shown instead of the secret: enough to tell which one is set, nothing to sign with. */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
