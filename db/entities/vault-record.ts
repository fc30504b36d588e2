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
@Index({ name: 'records_fields_index', expression: 'create index "records_fields_index" on "records" using gin ("fields" jsonb_path_ops)' })
@ObjectType('Record', { description: 'One account on one managed host. Its password is revealed only by unlockRecord.' })
export class VaultRecord extends BaseEntity {
  /** Indexed: grants on a record type reach its records through it. */
  @ManyToOne(() => RecordType, { ref: true, deleteRule: 'restrict' })
  @Index()
  recordType!: Ref<RecordType>;

  @Field(() => String, { description: 'The record’s display name.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @Field(() => String, { description: 'Host name or IP address of the managed host the account lives on.' })
  @Property({ type: 'string', length: 253 })
  host!: string;

  @Field(() => Int, { description: 'The host’s SSH port.' })
  @Property({ type: 'integer' })
  port: Opt<number> = 22;

  @Field(() => String, { description: 'The account name on the host.' })
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

  @Field(() => Date, { nullable: true, description: 'When the password last changed, by a rotation or an edit (ISO 8601, UTC); null when it never has.' })
  @Property({ type: 'datetime', nullable: true })
  passwordChangedAt?: Date | null;

  /** The SSH host-key fingerprint this record trusts, in OpenSSH form (SHA256:...). */
  @Field(() => String, { description: 'The pinned host key, as `ssh-keygen -lf` prints it (SHA256:…); jobs refuse a host that presents another.' })
  @Property({ type: 'string', length: 128 })
  hostKeyFingerprint!: string;

  /** The last host key seen that did not match the pin, and the pin it was checked against; shown while that pin stands. */
  @Property({ type: 'string', length: 128, nullable: true })
  hostKeyMismatchPinned?: string | null;

  @Property({ type: 'string', length: 128, nullable: true })
  hostKeyMismatchSeen?: string | null;

  @Property({ type: 'datetime', nullable: true })
  hostKeyMismatchSeenAt?: Date | null;

  /** Another record this one references: sessions are counted together, and a reset here updates its password too. */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'set null' })
  referencedRecord?: Ref<VaultRecord> | null;

  /** Set by Make Unique: the record has its own tasks and no longer inherits its type's. */
  @Field(() => Boolean, { description: 'Whether the record has its own tasks (Make Unique) instead of its type’s.' })
  @Property({ type: 'boolean', default: false })
  tasksUnique: Opt<boolean> = false;

  /** Values of the record type's custom fields, by field name; non-secret. GIN-indexed for `records(filter: { fields })`. */
  @Property({ type: 'json', fieldName: 'fields', default: '{}' })
  fieldValues: Opt<Record<string, string>> = {};

  @Field(() => String, { description: 'IANA time zone of the record, such as Europe/Berlin; its recurring tasks run on this wall clock.' })
  @Property({ type: 'string', length: 64, default: 'UTC' })
  timeZone: Opt<string> = 'UTC';

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when changing the record.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
