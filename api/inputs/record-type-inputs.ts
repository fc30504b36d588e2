import { IsOptional, IsUUID, Length, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { TaskInput } from './task-inputs';

@InputType()
export class CreateRecordTypeInput {
  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(0, 2000)
  description?: string;

  @Field(() => [TaskInput], { defaultValue: [] })
  @ValidateNested({ each: true })
  tasks!: TaskInput[];
}

@InputType()
export class RecordTypeRefInput {
  @Field(() => ID)
  @IsUUID()
  recordTypeId!: string;
}

@InputType()
export class UpdateRecordTypeInput {
  @Field(() => ID)
  @IsUUID()
  recordTypeId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(0, 2000)
  description?: string;
}
