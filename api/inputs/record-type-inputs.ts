import { ArrayMaxSize, IsOptional, IsUUID, Length, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { RecordFieldKind } from '../../db/entities/record-type';
import { MAX_ALLOWED_VALUES, MAX_FIELD_LABEL_LENGTH, MAX_FIELD_VALUE_LENGTH, MAX_FIELDS_PER_TYPE } from '../../services/vault/record-fields';
import { TaskInput } from './task-inputs';

@InputType({ description: 'A custom, non-secret field the records of a type carry.' })
export class RecordFieldDeclarationInput {
  @Field(() => String, { description: 'The key records use for the value: a letter, then letters, digits or "_".' })
  @Length(1, 64)
  name!: string;

  @Field(() => String, { description: 'The field’s name as shown to people.' })
  @Length(1, MAX_FIELD_LABEL_LENGTH)
  label!: string;

  @Field(() => RecordFieldKind, { description: 'Free text, or one of allowedValues.' })
  kind!: RecordFieldKind;

  @Field(() => Boolean, { defaultValue: false, description: 'Whether every record of the type must give a value.' })
  required!: boolean;

  @Field(() => [String], { defaultValue: [], description: 'For ENUM fields: the values a record may hold.' })
  @ArrayMaxSize(MAX_ALLOWED_VALUES)
  @Length(1, MAX_FIELD_VALUE_LENGTH, { each: true })
  allowedValues!: string[];
}

@InputType({ description: 'Creates a record type.' })
export class CreateRecordTypeInput {
  @Field(() => String, { description: 'The record type’s name, unique.' })
  @Length(1, 128)
  name!: string;

  @Field(() => String, { nullable: true, description: 'What records of the type are for; null for none.' })
  @IsOptional()
  @Length(0, 2000)
  description?: string;

  @Field(() => [TaskInput], { defaultValue: [], description: 'The tasks every record of the type inherits; may be empty.' })
  @ValidateNested({ each: true })
  tasks!: TaskInput[];

  @Field(() => [RecordFieldDeclarationInput], { defaultValue: [], description: 'The custom, non-secret fields every record of the type carries; may be empty.' })
  @ArrayMaxSize(MAX_FIELDS_PER_TYPE)
  @ValidateNested({ each: true })
  fields!: RecordFieldDeclarationInput[];
}

@InputType({ description: 'Names a record type to act on.' })
export class RecordTypeRefInput {
  @Field(() => ID, { description: 'The record type’s ID.' })
  @IsUUID()
  recordTypeId!: string;
}

@InputType({ description: 'Changes a record type; fields left out keep their values.' })
export class UpdateRecordTypeInput {
  @Field(() => ID, { description: 'The record type to change.' })
  @IsUUID()
  recordTypeId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The new name, unique; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => String, { nullable: true, description: 'The new description; unchanged when omitted.' })
  @IsOptional()
  @Length(0, 2000)
  description?: string;

  @Field(() => [RecordFieldDeclarationInput], { nullable: true, description: 'Replaces every field declaration; records keep their values until next updated.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FIELDS_PER_TYPE)
  @ValidateNested({ each: true })
  fields?: RecordFieldDeclarationInput[];
}
