import { Entity, Index, ManyToOne, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';

/** A product (extension) checked in to the server; it declares client task types. */
@Entity({ tableName: 'products' })
@ObjectType({ description: 'A product (extension) that declares client task types.' })
export class Product extends BaseEntity {
  @Field(() => String)
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

  @Field(() => String)
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

  @Field(() => String)
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

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when updating.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;

  /** Makes `next` the approved version: what jobs run from now on. */
  applyRevision(next: { name: string; settings: Record<string, unknown>; enabled: boolean }): void {
    this.name = next.name;
    this.settings = next.settings;
    this.enabled = next.enabled;
    this.approvedRevision += 1;
  }
}
