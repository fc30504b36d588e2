import { ArrayMaxSize, IsOptional, IsUUID, Length, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { ScriptInterpreter, ScriptKind, ScriptParameterType } from '../../lib/library-scripts';
import { PageArgs } from './page-args';

@InputType({ description: 'A parameter a script declares.' })
export class ScriptParameterDeclarationInput {
  @Field(() => String, { description: 'The parameter’s name: a letter or "_", then letters, digits or "_" (at most 64); the script reads it as an environment variable.' })
  @Length(1, 64)
  name!: string;

  @Field(() => ScriptParameterType, { description: 'The type its values must have.' })
  type!: ScriptParameterType;

  @Field(() => String, { nullable: true, description: 'Used when a task gives no value; omit it to make every task give one.' })
  @IsOptional()
  @Length(0, 1000)
  defaultValue?: string;

  @Field(() => String, { nullable: true, description: 'What the parameter means, for people filling it in; null for none.' })
  @IsOptional()
  @Length(0, 500)
  description?: string;
}

/** What create and update share; type-graphql gives its fields to both. */
@InputType({ description: 'The content of a library script, as createScript and updateScript take it.' })
class ScriptContentInput {
  @Field(() => String, { description: 'The script’s name, unique in the Script Library.' })
  @Length(1, 128)
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the script does, for people choosing it; empty when omitted.' })
  @IsOptional()
  @Length(0, 2000)
  description?: string;

  @Field(() => ScriptInterpreter, { description: 'What runs the body on the host.' })
  interpreter!: ScriptInterpreter;

  @Field(() => String, { description: 'What runs on the host. Secrets arrive on stdin (sh) or as $StewardNewPassword/$StewardCurrentPassword (PowerShell); parameters and STEWARD_ACCOUNT in the environment.' })
  @Length(1, 20000)
  body!: string;

  @Field(() => [ScriptParameterDeclarationInput], { defaultValue: [], description: 'The named parameters tasks give values for; may be empty.' })
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  parameters!: ScriptParameterDeclarationInput[];
}

@InputType({ description: 'A new library script. Needs System Administrator.' })
export class CreateScriptInput extends ScriptContentInput {
  @Field(() => ScriptKind, { description: 'Fixed once created: tasks run the script as this kind.' })
  kind!: ScriptKind;
}

@InputType({ description: 'Edit Script on a library script: every task using it runs the new version from its next job on.' })
export class UpdateScriptInput extends ScriptContentInput {
  @Field(() => ID, { description: 'The library script to change; the edit makes a new version.' })
  @IsUUID()
  scriptId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;
}

@InputType({ description: 'Copies a script (a built-in too) into a new editable one.' })
export class DuplicateScriptInput {
  @Field(() => ID, { description: 'The library script to copy.' })
  @IsUUID()
  scriptId!: string;

  @Field(() => String, { nullable: true, description: 'The copy’s name; "<name> (copy)" when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;
}

@InputType({ description: 'Names a library script to act on.' })
export class ScriptRefInput {
  @Field(() => ID, { description: 'The library script’s ID.' })
  @IsUUID()
  scriptId!: string;
}

@InputType({ description: 'Which scripts to list.' })
export class ScriptFilterInput {
  @Field(() => ScriptKind, { nullable: true, description: 'Only scripts of this kind.' })
  @IsOptional()
  kind?: ScriptKind;

  @Field(() => Boolean, { nullable: true, description: 'True: only the read-only built-ins; false: only the curated scripts.' })
  @IsOptional()
  builtIn?: boolean;

  @Field(() => String, { nullable: true, description: 'Part of the name, any case.' })
  @IsOptional()
  @Length(1, 128)
  nameContains?: string;
}

@ArgsType()
export class ScriptsArgs extends PageArgs {
  @Field(() => ScriptFilterInput, { nullable: true, description: 'Narrows the list; every library script when omitted.' })
  @IsOptional()
  @ValidateNested()
  filter?: ScriptFilterInput;
}
