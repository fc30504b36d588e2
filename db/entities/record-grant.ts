import { Check, Entity, Enum, Index, ManyToOne, type Ref } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { RecordPermission } from '../../lib/enums';
import { BaseEntity } from './base';
import { RecordType } from './record-type';
import { User } from './user';
import { UserGroup } from './user-group';
import { VaultRecord } from './vault-record';

/**
 * What one user or one user group may do with one record, or with every record of one record
 * type, beyond what their roles allow. Exactly one subject and one object are set; the pair is
 * unique (a unique index with nulls not distinct, written in the migration).
 */
@Entity({ tableName: 'record_grants' })
@Check({ name: 'record_grants_one_subject', expression: 'num_nonnulls(user_id, group_id) = 1' })
@Check({ name: 'record_grants_one_object', expression: 'num_nonnulls(record_id, record_type_id) = 1' })
@ObjectType({ description: 'Permissions a user or a user group holds on a record, or on every record of a record type.' })
export class RecordGrant extends BaseEntity {
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'cascade' })
  @Index()
  record?: Ref<VaultRecord> | null;

  @ManyToOne(() => RecordType, { ref: true, nullable: true, deleteRule: 'cascade' })
  @Index()
  recordType?: Ref<RecordType> | null;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'cascade' })
  @Index()
  user?: Ref<User> | null;

  @ManyToOne(() => UserGroup, { ref: true, nullable: true, deleteRule: 'cascade' })
  @Index()
  group?: Ref<UserGroup> | null;

  @Field(() => [RecordPermission], { description: 'As granted; each also brings the permissions it implies (see docs/permissions.md).' })
  @Enum({ items: () => RecordPermission, array: true })
  permissions: RecordPermission[] = [];
}
