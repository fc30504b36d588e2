import { Entity, Enum, type Opt, Property } from '@mikro-orm/core';
import { BaseEntity } from './base';

export enum ServerKeyStatus {
  /** Signs everything this server sends. */
  CURRENT = 'CURRENT',
  /** Replaced by a rotation; still signs alongside the current key until an administrator retires it. */
  PREVIOUS = 'PREVIOUS',
  RETIRED = 'RETIRED',
}

/** One of this server's Ed25519 signing keys. At most one CURRENT and one PREVIOUS at a time. */
@Entity({ tableName: 'server_keys' })
export class ServerKey extends BaseEntity {
  /** 32 raw bytes, base64url without padding. */
  @Property({ type: 'string', length: 64 })
  publicKey!: string;

  /** The PKCS#8 DER private key, sealed with the master key and bound to this row. */
  @Property({ type: 'text', hidden: true, lazy: true })
  encryptedPrivateKey!: string;

  @Enum({ items: () => ServerKeyStatus })
  status!: ServerKeyStatus;

  @Property({ type: 'datetime', nullable: true })
  retiredAt?: Date | null;

  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
