import { Entity, Index, ManyToOne, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { RegisteredServer } from './registered-server';

/**
 * What one peer holds of one shared client task, as far as its answers told us: the watermark of
 * the Share Client Tasks server task. Keyed by the task's ID without a foreign key, so it outlives
 * a deleted task until the peer has acknowledged its tombstone.
 */
@Entity({ tableName: 'share_sync_states' })
@Unique({ properties: ['peer', 'clientTaskId'] })
export class ShareSyncState extends BaseEntity {
  @ManyToOne(() => RegisteredServer, { ref: true, deleteRule: 'cascade' })
  peer!: Ref<RegisteredServer>;

  @Index()
  @Property({ type: 'uuid' })
  clientTaskId!: string;

  /** The approved revision the peer last accepted; null while it never accepted one. */
  @Property({ type: 'integer', nullable: true })
  ackedRevision?: number | null;

  /** The peer accepted a tombstone for the task: it holds it withdrawn. */
  @Property({ type: 'boolean', default: false })
  withdrawn: Opt<boolean> = false;

  /** The revision the peer refused, and why: not sent again until the task changes. */
  @Property({ type: 'integer', nullable: true })
  refusedRevision?: number | null;

  @Property({ type: 'text', nullable: true })
  refusedReason?: string | null;
}
