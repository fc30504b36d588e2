import { Entity, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import { VaultRecord } from './vault-record';

/**
 * A host, besides its own, that a record's credentials may be sent to when the record is another
 * task's shadow account (a domain administrator that resets local accounts on many servers).
 */
@Entity({ tableName: 'shadow_hosts' })
@Unique({ properties: ['record', 'host', 'port', 'hostKeyFingerprint'] })
@ObjectType({ description: 'A host this record’s credentials may be sent to when it is a shadow account: host, port and the pinned host key.' })
export class ShadowHost extends BaseEntity {
  @ManyToOne(() => VaultRecord, { ref: true, deleteRule: 'cascade' })
  record!: Ref<VaultRecord>;

  /** Lower case: host names compare without regard to case. */
  @Field(() => String, { description: 'Host name or IP address the shadow account’s credentials may be sent to.' })
  @Property({ type: 'string', length: 253 })
  host!: string;

  @Field(() => Int, { description: 'The SSH port there.' })
  @Property({ type: 'integer' })
  port!: number;

  @Field(() => String, { description: 'The pinned host key there, as `ssh-keygen -lf` prints it (SHA256:…).' })
  @Property({ type: 'string', length: 128 })
  hostKeyFingerprint!: string;
}
