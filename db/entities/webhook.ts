import { Entity, Enum, Index, ManyToOne, type Opt, Property, type Ref } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { JobState } from '../../lib/enums';
import { BaseEntity } from './base';

/** What a webhook may be told about. PING is sent only by testWebhook, to the one webhook tested. */
export enum WebhookEvent {
  JOB_FINISHED = 'JOB_FINISHED',
  CLIENT_RUN_FINISHED = 'CLIENT_RUN_FINISHED',
  APPROVAL_REQUESTED = 'APPROVAL_REQUESTED',
  APPROVAL_DECIDED = 'APPROVAL_DECIDED',
  ACCESS_REQUEST_APPROVED = 'ACCESS_REQUEST_APPROVED',
  SHARE_REFUSED = 'SHARE_REFUSED',
  PING = 'PING',
}

export enum WebhookDeliveryState {
  /** Being sent, or waiting for its next try. */
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  /** Refused by the receiver (a 4xx other than 408 and 429), or out of tries. */
  FAILED = 'FAILED',
}

/** A URL an administrator registered to be told of events, with the secret its deliveries are signed with. */
@Entity({ tableName: 'webhooks' })
@Index({ properties: ['createdAt', 'id'] })
@ObjectType({ description: 'A URL told of Steward events by signed HTTP POSTs. Its secret is never shown, only its fingerprint.' })
export class Webhook extends BaseEntity {
  @Field(() => String, { description: 'The webhook’s name.' })
  @Property({ type: 'string', length: 128 })
  name!: string;

  @Field(() => String, { description: 'Where deliveries are POSTed: an http or https URL without credentials.' })
  @Property({ type: 'string', length: 2048 })
  url!: string;

  @Field(() => [WebhookEvent], { description: 'The events sent to it.' })
  @Enum({ items: () => WebhookEvent, array: true })
  events!: WebhookEvent[];

  @Field(() => [JobState], { description: 'For JOB_FINISHED: the final states that are sent; empty sends every final state.' })
  @Enum({ items: () => JobState, array: true })
  jobStates!: JobState[];

  /** The signing secret, sealed with the master key and bound to this row (services/webhooks/webhook-secrets.ts). */
  @Property({ type: 'text', hidden: true, lazy: true })
  encryptedSecret!: string;

  @Field(() => String, { description: 'The first 16 hex digits of the secret’s SHA-256: tells which secret is set without showing it.' })
  @Property({ type: 'string', length: 16 })
  secretFingerprint!: string;

  @Field(() => Boolean, { description: 'A disabled webhook is sent nothing new; deliveries already under way go on.' })
  @Property({ type: 'boolean', default: true })
  enabled: Opt<boolean> = true;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when updating or deleting.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}

/**
 * One event for one webhook, written in the transaction of the change it reports and sent by the
 * `webhookDelivery` workflow (`webhook-delivery-<id>`). The body is kept as it was at the event:
 * IDs, states, names and times only, never a secret or a job's output.
 */
@Entity({ tableName: 'webhook_deliveries' })
@Index({ properties: ['webhook', 'createdAt', 'id'] })
@ObjectType({ description: 'One event sent, or being sent, to a webhook, with the outcome of its last try.' })
export class WebhookDelivery extends BaseEntity {
  @ManyToOne(() => Webhook, { ref: true, deleteRule: 'cascade' })
  webhook!: Ref<Webhook>;

  @Field(() => WebhookEvent, { description: 'The event the delivery tells of.' })
  @Enum({ items: () => WebhookEvent })
  event!: WebhookEvent;

  /** The event's `data`, as sent in the body. */
  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Field(() => WebhookDeliveryState, { description: 'Where the delivery stands.' })
  @Enum({ items: () => WebhookDeliveryState, default: WebhookDeliveryState.PENDING })
  state: Opt<WebhookDeliveryState> = WebhookDeliveryState.PENDING;

  @Field(() => Int, { description: 'How many times it was POSTed so far.' })
  @Property({ type: 'integer', default: 0 })
  attempts: Opt<number> = 0;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last try; null before the first answer, or when the last try got none.' })
  @Property({ type: 'integer', nullable: true })
  lastStatusCode?: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last try failed (an HTTP status or a network error); null once delivered.' })
  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was last POSTed (ISO 8601, UTC); null before the first try.' })
  @Property({ type: 'datetime', nullable: true })
  lastAttemptAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the receiver answered 2xx.' })
  @Property({ type: 'datetime', nullable: true })
  deliveredAt?: Date | null;
}
