import { Check, Collection, Entity, Enum, Index, ManyToMany, ManyToOne, OneToMany, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';
import { Product } from './client-catalog';
import { User } from './user';

/** What a permission set lets its users do with one product's client tasks. */
export enum ClientTaskCapability {
  /** See the product's client tasks, their assignments and their changes. */
  VIEW = 'VIEW',
  /** Create, edit, duplicate, enable and disable them, and assign them on the system tree. */
  EDIT = 'EDIT',
  /** Approve or reject changes that others proposed. */
  APPROVE = 'APPROVE',
}

/** Named rules that administrators give to users: per product, what they may do with its client tasks. */
@Entity({ tableName: 'permission_sets' })
@ObjectType({ description: 'Per product, what its users may do with client tasks. A user holds the union of their sets.' })
export class PermissionSet extends BaseEntity {
  @Field(() => String, { description: 'The permission set’s name, unique.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the permission set is for; null for none.' })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @OneToMany(() => PermissionSetGrant, (grant) => grant.permissionSet, { orphanRemoval: true })
  grants = new Collection<PermissionSetGrant>(this);

  @ManyToMany(() => User, undefined, { owner: true, pivotTable: 'permission_set_users', deleteRule: 'cascade' })
  users = new Collection<User>(this);

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when updating.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}

/** One product's capabilities within a permission set. VIEW is always among them. */
@Entity({ tableName: 'permission_set_grants' })
@Unique({ properties: ['permissionSet', 'product'] })
@Check({ name: 'permission_set_grants_capabilities', expression: "capabilities <@ array['VIEW', 'EDIT', 'APPROVE'] and 'VIEW' = any(capabilities)" })
@ObjectType('ProductGrant', { description: 'What a permission set allows with one product’s client tasks.' })
export class PermissionSetGrant extends BaseEntity {
  @ManyToOne(() => PermissionSet, { ref: true, deleteRule: 'cascade' })
  permissionSet!: Ref<PermissionSet>;

  @Index()
  @ManyToOne(() => Product, { ref: true, deleteRule: 'cascade' })
  product!: Ref<Product>;

  @Field(() => [ClientTaskCapability], { description: 'EDIT and APPROVE include VIEW.' })
  @Enum({ items: () => ClientTaskCapability, array: true })
  capabilities: ClientTaskCapability[] = [];

  @Field(() => Boolean, { description: 'Whether edits under this grant wait for an approver. Edits wait when every EDIT grant a user holds for the product says so, or the server requires approval.' })
  @Property({ type: 'boolean', default: false })
  editRequiresApproval: Opt<boolean> = false;
}
