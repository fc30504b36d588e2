import { ArrayMaxSize, ArrayMinSize, IsOptional, IsUUID, Length } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { JobState, WebhookEvent } from '../../db/entities';

@InputType({ description: 'Registers a webhook: a URL that is sent a signed POST for each chosen event.' })
export class CreateWebhookInput {
  @Field(() => String, { description: 'A name for the webhook, shown in lists.' })
  @Length(1, 128)
  name!: string;

  @Field(() => String, { description: 'Where deliveries are POSTed: http or https, without credentials in it.' })
  @Length(1, 2048)
  url!: string;

  @Field(() => [WebhookEvent], { description: 'At least one event; PING is sent by testWebhook only.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  events!: WebhookEvent[];

  @Field(() => [JobState], { defaultValue: [], description: 'For JOB_FINISHED: which final states are sent, e.g. [ERROR, CANCELLED]; empty sends all.' })
  @ArrayMaxSize(16)
  jobStates!: JobState[];

  @Field(() => String, { description: 'The HMAC key deliveries are signed with, 16–256 characters. Kept sealed and never shown again; only its fingerprint is.' })
  @Length(16, 256)
  secret!: string;

  @Field(() => Boolean, { defaultValue: true, description: 'Whether it is sent events from now on.' })
  enabled!: boolean;
}

@InputType({ description: 'Changes a webhook; fields left out keep their values.' })
export class UpdateWebhookInput {
  @Field(() => ID, { description: 'The webhook to change.' })
  @IsUUID()
  id!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The new name; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => String, { nullable: true, description: 'The new URL that deliveries are POSTed to; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 2048)
  url?: string;

  @Field(() => [WebhookEvent], { nullable: true, description: 'The events it is sent; unchanged when omitted.' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  events?: WebhookEvent[];

  @Field(() => [JobState], { nullable: true, description: 'For JOB_FINISHED, the final job states it is told of; unchanged when omitted.' })
  @IsOptional()
  @ArrayMaxSize(16)
  jobStates?: JobState[];

  @Field(() => String, { nullable: true, description: 'A new signing secret, 16–256 characters; deliveries not yet sent are signed with it.' })
  @IsOptional()
  @Length(16, 256)
  secret?: string;

  @Field(() => Boolean, { nullable: true, description: 'Whether it is sent events; unchanged when omitted.' })
  @IsOptional()
  enabled?: boolean;
}

@InputType({ description: 'Deletes a webhook and its delivery history.' })
export class DeleteWebhookInput {
  @Field(() => ID, { description: 'The webhook to delete.' })
  @IsUUID()
  id!: string;

  @Field(() => Int, { description: 'The webhook’s version as you last read it; a stale version fails with CONFLICT.' })
  version!: number;
}

@InputType({ description: 'Sends a PING delivery to a webhook.' })
export class TestWebhookInput {
  @Field(() => ID, { description: 'The webhook to ping.' })
  @IsUUID()
  id!: string;
}
