import { Entity, Index, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import { VaultRecord } from './vault-record';

/**
 * A place that holds a record's password and must change with it (a service's logon, a scheduled
 * task, a configuration file on another host). A rotation of the record runs its command there,
 * over SSH to its own host and pinned key, logged in with its account record's credentials, the
 * new password on stdin; and runs it again with the old password when the rotation rolls back.
 */
@Entity({ tableName: 'record_dependencies' })
@ObjectType({ description: 'A place that holds the record’s password and is updated by the record’s password rotations, with rollback.' })
export class RecordDependency extends BaseEntity {
  /** Indexed: a rotation lists its record's dependencies. */
  @ManyToOne(() => VaultRecord, { ref: true, deleteRule: 'cascade' })
  @Index()
  record!: Ref<VaultRecord>;

  @Field(() => String, { description: 'The dependency’s name.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  /** Lower case: host names compare without regard to case. */
  @Field(() => String, { description: 'Host name or IP address of the host that holds the password.' })
  @Property({ type: 'string', length: 253 })
  host!: string;

  @Field(() => Int, { description: 'The SSH port of the dependency’s host.' })
  @Property({ type: 'integer' })
  port!: number;

  @Field(() => String, { description: 'The host key trusted there, as `ssh-keygen -lf` prints it.' })
  @Property({ type: 'string', length: 128 })
  hostKeyFingerprint!: string;

  /**
   * Whose credentials log in to the dependency's host. Null once that record is deleted: the
   * record's rotations then fail before touching anything, until the dependency names another.
   * Indexed: deleting a record looks up the dependencies it logs in to.
   */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'set null' })
  @Index()
  accountRecord?: Ref<VaultRecord> | null;

  /** The shell command that sets the password there: the password arrives on its stdin, the record's account name as STEWARD_ACCOUNT. */
  @Field(() => String, { description: 'The shell command that sets the password on the dependency’s host; the password arrives on its stdin (one line), the account name as STEWARD_ACCOUNT.' })
  @Property({ type: 'text' })
  command!: string;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when changing the dependency.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
