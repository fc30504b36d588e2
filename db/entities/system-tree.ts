import { Entity, Index, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import { SystemProperties, SystemStatistics } from './system-properties';
import { VaultRecord } from './vault-record';

/** A group of the system tree. The root group ("My Organization") is the only one without a parent. */
@Entity({ tableName: 'system_groups' })
@ObjectType({ description: 'A group of the system tree: subgroups and systems.' })
export class SystemGroup extends BaseEntity {
  @Field(() => String, { description: 'The group’s name, as the system tree shows it.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Index()
  @ManyToOne(() => SystemGroup, { ref: true, nullable: true, deleteRule: 'restrict' })
  parent?: Ref<SystemGroup> | null;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when changing the group.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}

/** A managed endpoint in the system tree. */
@Entity({ tableName: 'managed_systems' })
@ObjectType('ManagedSystem', { description: 'A managed endpoint, reached over SSH with the account of a vault record.' })
export class ManagedSystem extends BaseEntity {
  @Field(() => String, { description: 'The system’s display name.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Index()
  @ManyToOne(() => SystemGroup, { ref: true, deleteRule: 'restrict' })
  group!: Ref<SystemGroup>;

  @Field(() => String, { description: 'Host name or IP address Steward reaches it at over SSH.' })
  @Property({ type: 'string', length: 253 })
  host!: string;

  @Field(() => Int, { description: 'The SSH port.' })
  @Property({ type: 'integer', default: 22 })
  port: Opt<number> = 22;

  /** The worker node that reaches the system: its client task jobs' SSH work goes to that node's task queue. */
  @Field(() => String, { description: 'The worker node that reaches the system over SSH; "local" is the central worker.' })
  @Property({ type: 'string', length: 64, default: 'local' })
  executionNode: Opt<string> = 'local';

  /** The vault record whose account Steward uses to reach the system. */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'set null' })
  credentialRecord?: Ref<VaultRecord> | null;

  /** The pinned SSH host-key fingerprint (SHA256:...). */
  @Field(() => String, { description: 'The pinned host key, as `ssh-keygen -lf` prints it (SHA256:…); Steward refuses a host that presents another.' })
  @Property({ type: 'string', length: 128 })
  hostKeyFingerprint!: string;

  /** The last host key seen that did not match the pin, and the pin it was checked against; shown while that pin stands. */
  @Property({ type: 'string', length: 128, nullable: true })
  hostKeyMismatchPinned?: string | null;

  @Property({ type: 'string', length: 128, nullable: true })
  hostKeyMismatchSeen?: string | null;

  @Property({ type: 'datetime', nullable: true })
  hostKeyMismatchSeenAt?: Date | null;

  @Field(() => String, { description: 'IANA time zone of the system; local-time schedules run on its wall clock.' })
  @Property({ type: 'string', length: 64, default: 'UTC' })
  timeZone: Opt<string> = 'UTC';

  /** What the endpoint reported about itself. Written without touching `version`: a report is not an edit. */
  @Field(() => SystemProperties, { nullable: true, description: 'What the endpoint last reported about itself (Agent Wakeup, Product Deployment, Product Update).' })
  @Property({ type: 'json', nullable: true })
  properties?: SystemProperties | null;

  @Field(() => SystemStatistics, { nullable: true, description: 'What the last Agent Statistics task collected.' })
  @Property({ type: 'json', nullable: true })
  statistics?: SystemStatistics | null;

  @Field(() => Date, { nullable: true, description: 'When Steward last reached the system over SSH.' })
  @Property({ type: 'datetime', nullable: true })
  lastContactAt?: Date | null;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when changing the system.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
