import { Entity, Enum, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { AccessRequestState } from '../../lib/enums';
import { BaseEntity } from './base';
import { User } from './user';
import { VaultRecord } from './vault-record';

/** A request for access to a record: approve, check out, then check in or expire. One workflow each. */
@Entity({ tableName: 'access_requests' })
@ObjectType({ description: 'A request for access to a record; its workflow is access-request-<id>.' })
export class AccessRequest extends BaseEntity {
  @ManyToOne(() => VaultRecord, { ref: true, deleteRule: 'cascade' })
  record!: Ref<VaultRecord>;

  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  requester!: Ref<User>;

  @Field(() => String, { nullable: true, description: 'Why the requester asked, as they wrote it; null when they gave no reason.' })
  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Field(() => AccessRequestState, { description: 'Where the request stands.' })
  @Enum({ items: () => AccessRequestState })
  state: Opt<AccessRequestState> = AccessRequestState.PENDING;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  decidedBy?: Ref<User> | null;

  @Field(() => Date, { nullable: true, description: 'When it was approved or denied (ISO 8601, UTC); null while PENDING.' })
  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Minutes the approved access lasts.' })
  @Property({ type: 'integer', nullable: true })
  durationMinutes?: number | null;

  @Field(() => Date, { nullable: true, description: 'When the approved access ends (ISO 8601, UTC): decidedAt plus durationMinutes; null unless approved.' })
  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the requester checked the record out (ISO 8601, UTC); null until then.' })
  @Property({ type: 'datetime', nullable: true })
  checkedOutAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the requester checked the record back in (ISO 8601, UTC); null until then.' })
  @Property({ type: 'datetime', nullable: true })
  checkedInAt?: Date | null;

  @Field(() => String, { description: 'The Temporal workflow that follows the request: access-request-<id>.' })
  @Property({ type: 'string', length: 128 })
  workflowId!: string;

  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
