import { Field, Int, ObjectType } from 'type-graphql';
import { Entity, Enum, Index, ManyToOne, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { ScriptKey } from '../../lib/enums';
import { ScriptInterpreter, ScriptKind, type ScriptParameterDeclaration } from '../../lib/library-scripts';
import { BaseEntity } from './base';

/**
 * A script of the Script Library. The four built-ins are rows too (seeded by the script library
 * migration, `builtInKey` set), read-only, so the library lists one kind of thing; tasks still
 * name a built-in by its key alone, and a library script by reference.
 */
@Entity({ tableName: 'library_scripts' })
@Index({ properties: ['createdAt', 'id'] })
@ObjectType('Script', { description: 'A script of the Script Library: a read-only built-in, or one administrators curate.' })
export class LibraryScript extends BaseEntity {
  @Field(() => String, { description: 'The script’s name, unique in the Script Library.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @Field(() => String, { description: 'What the script does; empty when none was given.' })
  @Property({ type: 'text', default: '' })
  description: Opt<string> = '';

  @Field(() => ScriptKind, { description: 'What the script does in a job; fixed when it is created.' })
  @Enum({ items: () => ScriptKind })
  kind!: ScriptKind;

  @Field(() => ScriptInterpreter, { description: 'What runs the body on the host.' })
  @Enum({ items: () => ScriptInterpreter })
  interpreter!: ScriptInterpreter;

  @Field(() => String, { description: 'What runs on the host. For a built-in, a script equivalent to what Steward runs: what a duplicate starts from.' })
  @Property({ type: 'text' })
  body!: string;

  /** The declared parameters; exposed through the resolver. */
  @Property({ type: 'json' })
  parameters: Opt<ScriptParameterDeclaration[]> = [];

  @Field(() => ScriptKey, { nullable: true, description: 'Set on the read-only built-ins: the key tasks name them by.' })
  @Enum({ items: () => ScriptKey, nullable: true })
  @Unique()
  builtInKey?: ScriptKey | null;

  @Field(() => Int, { description: 'Goes up by one on every edit; pass the one you read to updateScript.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}

/** One version of a library script as it was saved; jobs run the version they started with. */
@Entity({ tableName: 'library_script_versions' })
@Unique({ properties: ['script', 'version'] })
@ObjectType('ScriptVersion', { description: 'A library script as one of its versions saved it.' })
export class LibraryScriptVersion extends BaseEntity {
  @ManyToOne(() => LibraryScript, { ref: true, deleteRule: 'cascade' })
  script!: Ref<LibraryScript>;

  @Field(() => Int, { description: 'The version number: 1 for the first, one more with each edit.' })
  @Property({ type: 'integer' })
  version!: number;

  @Field(() => String, { description: 'The script’s name in this version.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => ScriptKind, { description: 'What the script does in a job.' })
  @Enum({ items: () => ScriptKind })
  kind!: ScriptKind;

  @Field(() => ScriptInterpreter, { description: 'What runs the body on the host.' })
  @Enum({ items: () => ScriptInterpreter })
  interpreter!: ScriptInterpreter;

  @Field(() => String, { description: 'The script’s text, as the interpreter runs it.' })
  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'json' })
  parameters: Opt<ScriptParameterDeclaration[]> = [];

  @Field(() => String, { nullable: true, description: 'Who saved it; null for the built-ins.' })
  @Property({ type: 'string', length: 128, nullable: true })
  savedBy?: string | null;
}
