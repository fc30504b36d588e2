import { IsOptional, IsUUID, Length } from 'class-validator';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CheckInProductInput {
  @Field(() => GraphQLJSON, {
    description:
      'The manifest: { name, version ("5.7.0"), taskTypes: [{ name, settingsSchema (a JSON Schema of an object), supportedOs?, command? }] }. ' +
      'command is the POSIX shell script (at most 64 KiB) that carries the type out on an endpoint, settings arriving as STEWARD_<NAME> variables; ' +
      'required except for the built-in types. A newer version that no longer declares a type removes it, unless client tasks use it (CONFLICT).',
  })
  manifest!: unknown;
}

@InputType()
export class CreateClientTaskInput {
  @Field(() => ID)
  taskTypeId!: string;

  @Field(() => String, { description: 'Unique among tasks of the same type.' })
  @Length(1, 128)
  name!: string;

  @Field(() => GraphQLJSONObject, { description: 'Valid against the task type’s settingsSchema.' })
  settings!: Record<string, unknown>;
}

@InputType()
export class UpdateClientTaskInput {
  @Field(() => ID)
  @IsUUID()
  clientTaskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Replaces all settings; valid against the task type’s settingsSchema.' })
  @IsOptional()
  settings?: Record<string, unknown>;
}

@InputType()
export class DuplicateClientTaskInput {
  @Field(() => ID)
  @IsUUID()
  clientTaskId!: string;

  @Field(() => String, { description: 'The copy’s name; the copy starts disabled.' })
  @Length(1, 128)
  name!: string;
}

@InputType()
export class SetClientTaskEnabledInput {
  @Field(() => ID)
  @IsUUID()
  clientTaskId!: string;

  @Field(() => Boolean)
  enabled!: boolean;
}

@InputType()
export class ClientTaskFilterInput {
  @Field(() => String, { nullable: true, description: 'Product name.' })
  @IsOptional()
  product?: string;

  @Field(() => String, { nullable: true, description: 'Task type name.' })
  @IsOptional()
  taskType?: string;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  enabled?: boolean;
}
