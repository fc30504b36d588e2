import { Collection, Entity, Index, ManyToOne, OneToMany, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import type { ClientTaskAssignment } from './client-assignment';
import { RegisteredServer } from './registered-server';
import { User } from './user';

/** A product (extension) checked in to the server; it declares client task types. */
@Entity({ tableName: 'products' })
@ObjectType({ description: 'A product (extension) that declares client task types.' })
export class Product extends BaseEntity {
  @Field(() => String, { description: 'The product’s name, as its manifest declares it; unique.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  /** The product's own version (dotted numbers); a newer check-in updates its task types. */
  @Field(() => String, { description: 'The checked-in version, dotted numbers such as 5.7.0.' })
  @Property({ type: 'string', length: 32 })
  version!: string;
}

/** A kind of client task a product declares, with the JSON Schema its settings must satisfy. */
@Entity({ tableName: 'client_task_types' })
@Unique({ properties: ['product', 'name'] })
@ObjectType({ description: 'A kind of client task declared by a product, with the JSON Schema of its settings.' })
export class ClientTaskType extends BaseEntity {
  @ManyToOne(() => Product, { ref: true, deleteRule: 'cascade' })
  product!: Ref<Product>;

  @Field(() => String, { description: 'The task type’s name, as the product’s manifest declares it; unique within the product.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => GraphQLJSONObject, { description: 'The JSON Schema that settings of this type must satisfy.' })
  @Property({ type: 'json' })
  settingsSchema!: Record<string, unknown>;

  @Field(() => [String], { description: 'Operating systems the type runs on, e.g. "linux".' })
  @Property({ type: 'json' })
  supportedOs!: string[];

  /**
   * The POSIX shell script that carries out a task of this type on the endpoint, with the settings
   * as STEWARD_* environment variables. Null for the built-in types, which Steward carries out itself.
   */
  @Field(() => String, { nullable: true, description: 'The shell script run on the endpoint, settings arriving as STEWARD_<NAME> environment variables; null for built-in types.' })
  @Property({ type: 'text', nullable: true })
  command?: string | null;
}

/** A reusable client task object of the catalog: a task type with validated settings. */
@Entity({ tableName: 'client_tasks' })
@Unique({ properties: ['taskType', 'name'] })
@ObjectType({ description: 'A client task object of the catalog: a task type with validated settings.' })
export class ClientTask extends BaseEntity {
  @Index()
  @ManyToOne(() => ClientTaskType, { ref: true, deleteRule: 'restrict' })
  taskType!: Ref<ClientTaskType>;

  @Field(() => String, { description: 'The client task’s name, unique within its task type.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => GraphQLJSONObject, { description: 'Settings, valid against the task type’s schema.' })
  @Property({ type: 'json' })
  settings!: Record<string, unknown>;

  @Field(() => Boolean, { description: 'A task must be enabled (and assigned) before it runs anywhere.' })
  @Property({ type: 'boolean', default: false })
  enabled: Opt<boolean> = false;

  /**
   * How many changes have been applied to the task: the revision jobs run and record. 0 while the
   * task was created pending approval and never approved; such a task never runs.
   */
  @Field(() => Int, { description: 'The approved revision: each applied change adds one. 0 means created, awaiting approval, never approved: it runs nowhere.' })
  @Property({ type: 'integer', default: 1 })
  approvedRevision: Opt<number> = 1;

  /** Where the task is assigned; named by entity name, since assignments import this file. Loaded in batches by the dataloader. */
  @OneToMany('ClientTaskAssignment', 'clientTask')
  assignments = new Collection<ClientTaskAssignment>(this);

  /** The user who created it (or took it over); null only for tasks created before owners existed and never assigned one. */
  @Index()
  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  owner?: Ref<User> | null;

  /** Sent to registered peers by the Share Client Tasks server task; while shared, only the owner may change it. */
  @Field(() => Boolean, { description: 'Whether the task is shared with registered servers. Only its owner may change a shared task.' })
  @Property({ type: 'boolean', default: false })
  shared: Opt<boolean> = false;

  /** The server this task was received from; null for a task created here. A received task is read-only. */
  @Index()
  @ManyToOne(() => RegisteredServer, { ref: true, nullable: true, deleteRule: 'restrict' })
  origin?: Ref<RegisteredServer> | null;

  @Field(() => String, { nullable: true, description: 'For a received task: its ID on the origin server.' })
  @Property({ type: 'string', length: 64, nullable: true })
  originTaskId?: string | null;

  @Field(() => Int, { nullable: true, description: 'For a received task: the origin’s approved revision it was last updated to.' })
  @Property({ type: 'integer', nullable: true })
  originRevision?: number | null;

  /** Set when the origin unshared or deleted a received task: it is disabled, kept read-only, and runs nowhere. */
  @Field(() => Boolean, { description: 'A received task its origin no longer shares: disabled, read-only, kept with its assignments.' })
  @Property({ type: 'boolean', default: false })
  withdrawn: Opt<boolean> = false;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when updating.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;

  /** Whether the task came from another server (and so is read-only here). */
  isReceived(): boolean {
    return this.origin != null;
  }

  /** Makes `next` the approved version: what jobs run from now on. */
  applyRevision(next: { name: string; settings: Record<string, unknown>; enabled: boolean }): void {
    this.name = next.name;
    this.settings = next.settings;
    this.enabled = next.enabled;
    this.approvedRevision += 1;
  }
}
