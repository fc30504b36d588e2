import { Field, Int, ObjectType } from 'type-graphql';
import { Entity, Index, ManyToOne, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { RecordType } from './record-type';

/** A vault record: one account on one managed host. */
@Entity({ tableName: 'records' })
@Index({
  name: 'records_pending_settle_index',
  expression: 'create index "records_pending_settle_index" on "records" ("pending_node_name", "pending_settle_due_at") where "encrypted_pending_password" is not null',
})
@ObjectType('Record', { description: 'One account on one managed host. Its password is revealed only by unlockRecord.' })
export class VaultRecord extends BaseEntity {
  /** Indexed: grants on a record type reach its records through it. */
  @ManyToOne(() => RecordType, { ref: true, deleteRule: 'restrict' })
  @Index()
  recordType!: Ref<RecordType>;

  @Field(() => String)
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 253 })
  host!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  port: Opt<number> = 22;

  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  username!: string;

  /** The current password (the secured field), sealed with AES-256-GCM. */
  @Property({ type: 'text', hidden: true, lazy: true })
  encryptedPassword!: string;

  /** A generated password saved before the host is touched, until it is verified and promoted. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  encryptedPendingPassword?: string | null;

  @Property({ type: 'datetime', nullable: true })
  pendingPasswordSince?: Date | null;

  /** The node whose rotation stored the pending password: it reaches the host, so it settles a rotation left unsettled. */
  @Property({ type: 'string', length: 64, nullable: true })
  pendingNodeName?: string | null;

  /** When the host took the pending password (the change succeeded). Until the rotation settles, it is the one the host accepts. */
  @Property({ type: 'datetime', nullable: true })
  pendingAcceptedAt?: Date | null;

  /** Failed tries to settle a pending password a rotation left behind; the next waits longer. */
  @Property({ type: 'integer', default: 0 })
  pendingSettleAttempts: Opt<number> = 0;

  @Property({ type: 'datetime', nullable: true })
  pendingSettleDueAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  passwordChangedAt?: Date | null;

  /** The SSH host-key fingerprint this record trusts, in OpenSSH form (SHA256:...). */
  @Field(() => String)
  @Property({ type: 'string', length: 128 })
  hostKeyFingerprint!: string;

  /** Another record this one references: sessions are counted together, and a reset here updates its password too. */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'set null' })
  referencedRecord?: Ref<VaultRecord> | null;

  /** Set by Make Unique: the record has its own tasks and no longer inherits its type's. */
  @Field(() => Boolean, { description: 'Whether the record has its own tasks (Make Unique) instead of its type’s.' })
  @Property({ type: 'boolean', default: false })
  tasksUnique: Opt<boolean> = false;

  @Field(() => String)
  @Property({ type: 'string', length: 64, default: 'UTC' })
  timeZone: Opt<string> = 'UTC';

  @Field(() => Int)
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
