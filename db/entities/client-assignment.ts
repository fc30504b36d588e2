import { Check, Entity, Index, ManyToOne, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import type { AssignmentSchedule } from '../../lib/assignment-occurrences';
import { BaseEntity } from './base';
import { ClientTask } from './client-catalog';
import { ManagedSystem, SystemGroup } from './system-tree';

/** A client task assigned at one node of the system tree (a group or a system) with a schedule; inherited down the tree. */
@Entity({ tableName: 'client_task_assignments' })
@Check({ name: 'client_task_assignments_one_node', expression: 'num_nonnulls(group_id, system_id) = 1' })
@ObjectType({ description: 'A client task assigned at a group or a system, with a schedule; inherited by everything below the node.' })
export class ClientTaskAssignment extends BaseEntity {
  @Index()
  @ManyToOne(() => ClientTask, { ref: true, deleteRule: 'cascade' })
  clientTask!: Ref<ClientTask>;

  /** Set when the assignment is made on a group; otherwise `system` is. */
  @Index()
  @ManyToOne(() => SystemGroup, { ref: true, nullable: true, deleteRule: 'cascade' })
  group?: Ref<SystemGroup> | null;

  @Index()
  @ManyToOne(() => ManagedSystem, { ref: true, nullable: true, deleteRule: 'cascade' })
  system?: Ref<ManagedSystem> | null;

  /** Validated and normalized by services/assignments/schedule-validation. */
  @Property({ type: 'json' })
  schedule!: AssignmentSchedule;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when updating.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}

/** Inheritance broken at a group or a system: it receives no assignments from its ancestors. */
@Entity({ tableName: 'inheritance_breaks' })
@Check({ name: 'inheritance_breaks_one_node', expression: 'num_nonnulls(group_id, system_id) = 1' })
export class InheritanceBreak extends BaseEntity {
  @Unique()
  @ManyToOne(() => SystemGroup, { ref: true, nullable: true, deleteRule: 'cascade' })
  group?: Ref<SystemGroup> | null;

  @Unique()
  @ManyToOne(() => ManagedSystem, { ref: true, nullable: true, deleteRule: 'cascade' })
  system?: Ref<ManagedSystem> | null;
}
