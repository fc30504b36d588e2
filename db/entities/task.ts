import { Field, Int, ObjectType } from 'type-graphql';
import { Entity, Enum, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { PolicyEvent, ScriptKey, TargetRecord } from '../../lib/enums';
import type { TaskSchedule } from '../../lib/task-occurrences';
import type { ScriptParameters } from '../../lib/script-parameters';
import { BaseEntity } from './base';
import { LibraryScript } from './library-script';
import { RecordType } from './record-type';
import { VaultRecord } from './vault-record';

/**
 * A task of a record type (records of the type inherit it) or, after Make Unique, of one record.
 * Exactly one of the two owners is set.
 */
@Entity({ tableName: 'tasks' })
@ObjectType({ description: 'A script that runs against records when one of its policy events fires.' })
export class Task extends BaseEntity {
  @ManyToOne(() => RecordType, { ref: true, nullable: true, deleteRule: 'cascade' })
  recordType?: Ref<RecordType> | null;

  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'cascade' })
  record?: Ref<VaultRecord> | null;

  @Field(() => String, { description: 'The task’s name.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => ScriptKey, { description: 'The built-in script it runs, or the kind of its Script Library script.' })
  @Enum({ items: () => ScriptKey })
  script!: ScriptKey;

  /** Edit Script: the script's settings for this task (a custom command and its parameters; a reset's password length). */
  @Property({ type: 'json', nullable: true })
  scriptParameters?: ScriptParameters | null;

  /** A library script the task runs; `script` then says only how its jobs run it (reset, verify or command). */
  @ManyToOne(() => LibraryScript, { ref: true, nullable: true, deleteRule: 'restrict' })
  libraryScript?: Ref<LibraryScript> | null;

  @Field(() => [PolicyEvent], { description: 'What makes the task run; a task may have several.' })
  @Enum({ items: () => PolicyEvent, array: true })
  policyEvents: PolicyEvent[] = [];

  /** Parameters of the recurring events, read in the record's time zone. */
  @Property({ type: 'json', nullable: true })
  schedule?: TaskSchedule | null;

  @Field(() => Int, { nullable: true, description: 'For AFTER_UNLOCK: minutes after an unlock that the job is due.' })
  @Property({ type: 'integer', nullable: true })
  minutesAfterUnlock?: number | null;

  @Field(() => Boolean, { description: 'With AFTER_SESSION: wait until the last active session (on this record and those sharing its reference) has ended.' })
  @Property({ type: 'boolean', default: false })
  deferUntilSessionsEnd: Opt<boolean> = false;

  @Field(() => String, { nullable: true, description: 'Time window, CRON: jobs run only during the minutes it matches.' })
  @Property({ type: 'string', length: 128, nullable: true })
  timeWindowCron?: string | null;

  @Field(() => String, { nullable: true, description: 'The time zone the time window is read in.' })
  @Property({ type: 'string', length: 64, nullable: true })
  timeWindowTimeZone?: string | null;

  @Field(() => TargetRecord, { description: 'Which record its jobs are scheduled for.' })
  @Enum({ items: () => TargetRecord, default: TargetRecord.ITSELF })
  targetRecord: Opt<TargetRecord> = TargetRecord.ITSELF;

  /** The shadow account: another record whose credentials connect and run the script. */
  @ManyToOne(() => VaultRecord, { ref: true, nullable: true, deleteRule: 'set null' })
  shadowRecord?: Ref<VaultRecord> | null;

  /** The worker node whose task queue runs this task's jobs. */
  @Field(() => String, { description: 'The worker node that runs its jobs.' })
  @Property({ type: 'string', length: 64, default: 'local' })
  executionNode: Opt<string> = 'local';

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when changing the task.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
