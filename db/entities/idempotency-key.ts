import { Entity, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { User } from './user';

/**
 * A mutation a caller sent with an idempotency key: a retry with the same key gets the first
 * result back and starts nothing new. A claim without a result is a call still in progress.
 */
@Entity({ tableName: 'idempotency_keys' })
@Unique({ properties: ['user', 'mutation', 'key'] })
// Keys expire (services/shared/idempotency.ts): the sweep deletes by age.
@Index({ properties: ['createdAt'] })
export class IdempotencyKey extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @Property({ type: 'string', length: 64 })
  mutation!: string;

  @Property({ type: 'string', length: 128 })
  key!: string;

  /** SHA-256 of the call's input: the same key with other input is refused. */
  @Property({ type: 'string', length: 64 })
  inputHash!: string;

  /** What the first call returned (IDs, never secrets); null while it runs. */
  @Property({ type: 'json', nullable: true })
  result?: unknown;
}
