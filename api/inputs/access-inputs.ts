import { IsOptional, IsUUID, Length, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { IdempotentInput } from './idempotent-input';

@InputType()
export class RequestAccessInput extends IdempotentInput {
  @Field(() => ID)
  @IsUUID()
  recordId!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(0, 500)
  reason?: string;
}

@InputType()
export class ApproveAccessInput {
  @Field(() => ID)
  @IsUUID()
  requestId!: string;

  @Field(() => Int, { description: 'Minutes the access lasts (1 minute to 7 days); then it expires.' })
  @Min(1)
  @Max(7 * 24 * 60)
  durationMinutes!: number;
}

@InputType()
export class AccessRequestRefInput {
  @Field(() => ID)
  @IsUUID()
  requestId!: string;
}

@InputType()
export class StartSessionInput {
  @Field(() => ID)
  @IsUUID()
  recordId!: string;

  @Field(() => String, { nullable: true, description: 'Who the session is for, as the broker knows them.' })
  @IsOptional()
  @Length(0, 128)
  subject?: string;
}

@InputType()
export class SessionRefInput {
  @Field(() => ID)
  @IsUUID()
  sessionId!: string;
}

@InputType()
export class UpdateSessionSettingsInput {
  @Field(() => Int, { description: 'Minutes after which a session counts as ended, reported or not (1 minute to 7 days).' })
  @Min(1)
  @Max(7 * 24 * 60)
  maxSessionMinutes!: number;

  @Field(() => Int, { description: 'The version you read; if someone changed the server settings since, CONFLICT.' })
  version!: number;
}
