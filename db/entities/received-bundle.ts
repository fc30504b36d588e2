import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A share bundle ID (`jti`) already accepted from an issuer, kept until the bundle expires so a replay is refused. */
@Entity({ tableName: 'received_share_bundles' })
export class ReceivedShareBundle {
  @PrimaryKey({ type: 'string', length: 128 })
  issuer!: string;

  @PrimaryKey({ type: 'string', length: 128 })
  bundleId!: string;

  /** After this the bundle's own expiry refuses it, so the row can be pruned. */
  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
