import { IsOptional, Length } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';

/**
 * What changing an SSH target, a vault record or a managed system, starts with. Not in the schema
 * itself: only the inputs that extend it are.
 *
 * Keep these fields first and in this order: an update audits the names of its changed fields in
 * the order the input declares them, and a subclass's own fields come after these.
 */
@InputType()
export abstract class UpdateSshTargetInput {
  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The new display name; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => String, { nullable: true, description: 'The new host name or IP address; unchanged when omitted.' })
  @IsOptional()
  host?: string;

  @Field(() => Int, { nullable: true, description: 'The new SSH port; unchanged when omitted.' })
  @IsOptional()
  port?: number;
}
