import { IsOptional, IsUUID, Length } from 'class-validator';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'Adds or updates a product and its client task types from a product manifest.' })
export class CheckInProductInput {
  @Field(() => GraphQLJSON, {
    description:
      'The manifest: { name, version ("5.7.0"), taskTypes: [{ name, settingsSchema (a JSON Schema of an object), supportedOs?, command? }] }. ' +
      'command is the POSIX shell script (at most 64 KiB) that carries the type out on an endpoint, settings arriving as STEWARD_<NAME> variables; ' +
      'required except for the built-in types. A newer version that no longer declares a type removes it, unless client tasks use it (CONFLICT).',
  })
  manifest!: unknown;
}

@InputType({ description: 'Creates a client task of a task type, with its settings.' })
export class CreateClientTaskInput {
  @Field(() => ID, { description: 'The client task type (of a product) the task is of; its settings must fit the type.' })
  taskTypeId!: string;

  @Field(() => String, { description: 'Unique among tasks of the same type.' })
  @Length(1, 128)
  name!: string;

  @Field(() => GraphQLJSONObject, { description: 'Valid against the task type’s settingsSchema.' })
  settings!: Record<string, unknown>;
}

@InputType({ description: 'Changes a client task; fields left out keep their values. With approval required, the change waits as PENDING.' })
export class UpdateClientTaskInput {
  @Field(() => ID, { description: 'The client task to change.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The new name, unique within the task type; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Replaces all settings; valid against the task type’s settingsSchema.' })
  @IsOptional()
  settings?: Record<string, unknown>;
}

@InputType({ description: 'Copies a client task, with its settings, under a new name.' })
export class DuplicateClientTaskInput {
  @Field(() => ID, { description: 'The client task to copy.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => String, { description: 'The copy’s name; the copy starts disabled.' })
  @Length(1, 128)
  name!: string;
}

@InputType({ description: 'Enables or disables a client task; a disabled task is not run by its assignments.' })
export class SetClientTaskEnabledInput {
  @Field(() => ID, { description: 'The client task to enable or disable.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => Boolean, { description: 'True to enable, false to disable.' })
  enabled!: boolean;
}

@InputType({ description: 'Which client tasks to list; every field narrows the list further.' })
export class ClientTaskFilterInput {
  @Field(() => String, { nullable: true, description: 'Product name.' })
  @IsOptional()
  product?: string;

  @Field(() => String, { nullable: true, description: 'Task type name.' })
  @IsOptional()
  taskType?: string;

  @Field(() => Boolean, { nullable: true, description: 'Only enabled (true) or only disabled (false) client tasks; both when omitted.' })
  @IsOptional()
  enabled?: boolean;
}
