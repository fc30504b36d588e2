import { IsOptional, Length } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { AuditOutcome } from '../../db/entities';

@InputType({ description: 'Every given condition must hold.' })
export class AuditEventFilterInput {
  @Field(() => String, { nullable: true, description: "The actor's name: a username, `system` or `anonymous`." })
  @IsOptional()
  @Length(1, 64)
  actor?: string;

  @Field(() => String, { nullable: true, description: 'The mutation or action, such as `createUser`.' })
  @IsOptional()
  @Length(1, 64)
  action?: string;

  @Field(() => String, { nullable: true, description: 'The kind of object acted on, such as `Record`.' })
  @IsOptional()
  @Length(1, 32)
  objectType?: string;

  @Field(() => ID, { nullable: true, description: 'Only entries about this object (its targetId).' })
  @IsOptional()
  @Length(1, 64)
  objectId?: string;

  @Field(() => AuditOutcome, { nullable: true, description: 'Only entries with this outcome.' })
  @IsOptional()
  outcome?: AuditOutcome;

  @Field(() => Date, { nullable: true, description: 'Entries at or after this time.' })
  @IsOptional()
  from?: Date;

  @Field(() => Date, { nullable: true, description: 'Entries at or before this time.' })
  @IsOptional()
  to?: Date;
}
