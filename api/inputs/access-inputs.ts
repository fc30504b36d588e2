import { IsOptional, IsUUID, Length, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { IdempotentInput } from './idempotent-input';

@InputType({ description: 'Asks for access to a record; an approver then approves or denies it.' })
export class RequestAccessInput extends IdempotentInput {
  @Field(() => ID, { description: 'The record you need access to.' })
  @IsUUID()
  recordId!: string;

  @Field(() => String, { nullable: true, description: 'Why you need access, for the approver; null for none.' })
  @IsOptional()
  @Length(0, 500)
  reason?: string;
}

@InputType({ description: 'Approves a PENDING access request for a time.' })
export class ApproveAccessInput {
  @Field(() => ID, { description: 'The PENDING access request to approve.' })
  @IsUUID()
  requestId!: string;

  @Field(() => Int, { description: 'Minutes the access lasts (1 minute to 7 days); then it expires.' })
  @Min(1)
  @Max(7 * 24 * 60)
  durationMinutes!: number;
}

@InputType({ description: 'Names an access request to act on.' })
export class AccessRequestRefInput {
  @Field(() => ID, { description: 'The access request’s ID.' })
  @IsUUID()
  requestId!: string;
}

@InputType({ description: 'Reports that a session on a record has started (session brokers).' })
export class StartSessionInput {
  @Field(() => ID, { description: 'The record the session uses.' })
  @IsUUID()
  recordId!: string;

  @Field(() => String, { nullable: true, description: 'Who the session is for, as the broker knows them.' })
  @IsOptional()
  @Length(0, 128)
  subject?: string;
}

@InputType({ description: 'Names a session to act on.' })
export class SessionRefInput {
  @Field(() => ID, { description: 'The session’s ID, as startSession returned it.' })
  @IsUUID()
  sessionId!: string;
}

@InputType({ description: 'The new session settings.' })
export class UpdateSessionSettingsInput {
  @Field(() => Int, { description: 'Minutes after which a session counts as ended, reported or not (1 minute to 7 days).' })
  @Min(1)
  @Max(7 * 24 * 60)
  maxSessionMinutes!: number;

  @Field(() => Int, { description: 'The version you read; if someone changed the server settings since, CONFLICT.' })
  version!: number;
}
