import { Field, Int, ObjectType } from 'type-graphql';
import { Collection, Entity, OneToMany, type Opt, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from './base';
import { Task } from './task';

/** What a record type field holds: free text, or one of a list of allowed values. */
export enum RecordFieldKind {
  STRING = 'STRING',
  ENUM = 'ENUM',
}

/** A custom, non-secret field that every record of a type carries, such as an owner or an environment. */
@ObjectType({ description: 'A custom, non-secret field the records of a type carry.' })
export class RecordFieldDeclaration {
  @Field(() => String, { description: 'The key records use for the value: a letter, then letters, digits or "_".' })
  name!: string;

  @Field(() => String, { description: 'The field’s name as shown to people.' })
  label!: string;

  @Field(() => RecordFieldKind, { description: 'Free text, or one of allowedValues.' })
  kind!: RecordFieldKind;

  @Field(() => Boolean, { description: 'Whether every record of the type must carry a value.' })
  required!: boolean;

  @Field(() => [String], { description: 'The values an ENUM field accepts; empty for STRING.' })
  allowedValues!: string[];
}

@Entity({ tableName: 'record_types' })
@ObjectType({ description: 'A kind of vault record, with the tasks its records inherit.' })
export class RecordType extends BaseEntity {
  @Field(() => String, { description: 'The record type’s name, unique.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @Field(() => String, { nullable: true, description: 'What records of the type are for; null for none.' })
  @Property({ type: 'text', nullable: true })
  description?: string;

  /** Declarations only; the values live on the records. */
  @Field(() => [RecordFieldDeclaration], { description: 'The custom fields records of this type carry.' })
  @Property({ type: 'json', default: '[]' })
  fields: Opt<RecordFieldDeclaration[]> = [];

  @OneToMany(() => Task, (task) => task.recordType, { orderBy: { createdAt: 'asc' } })
  tasks = new Collection<Task>(this);

  @Field(() => Int, { description: 'Optimistic-lock version.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
