import { Entity, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { VaultRecord } from './vault-record';

/** A password a record held before a rotation replaced it. */
@Entity({ tableName: 'password_history' })
export class PasswordHistoryEntry extends BaseEntity {
  @ManyToOne(() => VaultRecord, { ref: true, deleteRule: 'cascade' })
  record!: Ref<VaultRecord>;

  @Property({ type: 'text', hidden: true, lazy: true })
  encryptedPassword!: string;

  @Property({ type: 'datetime' })
  retiredAt: Opt<Date> = new Date();

  @Property({ type: 'uuid', nullable: true })
  jobId?: string | null;
}
