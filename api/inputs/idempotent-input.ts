import { IsOptional, Length } from 'class-validator';
import { Field, InputType } from 'type-graphql';

/** An input of a mutation that starts work, which a client may safely retry. */
@InputType()
export abstract class IdempotentInput {
  @Field(() => String, {
    nullable: true,
    description:
      'Any string unique to this call (a UUID, say), 1–128 characters. A retry with the same key returns what the first call returned and starts nothing new; the same key with other input is refused.',
  })
  @IsOptional()
  @Length(1, 128)
  idempotencyKey?: string | null;
}
