import { Entity, Enum, ManyToOne, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { RecordPermission } from '../../lib/enums';
import { BaseEntity } from './base';
import { User } from './user';
import { VaultRecord } from './vault-record';

/** What one user may do with one record, beyond what their roles allow. */
@Entity({ tableName: 'record_grants' })
@Unique({ properties: ['record', 'user'] })
@ObjectType({ description: 'Permissions a user holds on a record.' })
export class RecordGrant extends BaseEntity {
  @ManyToOne(() => VaultRecord, { ref: true, deleteRule: 'cascade' })
  record!: Ref<VaultRecord>;

  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @Field(() => [RecordPermission])
  @Enum({ items: () => RecordPermission, array: true })
  permissions: RecordPermission[] = [];
}
