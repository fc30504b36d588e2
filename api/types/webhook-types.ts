import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Webhook, WebhookDelivery, WebhookDeliveryState, WebhookEvent } from '../../db/entities';
import { Connection } from './connection';

registerEnumType(WebhookEvent, {
  name: 'WebhookEvent',
  description: 'What a webhook is told of.',
  valuesConfig: {
    JOB_FINISHED: { description: 'A job reached a final state (filtered by the webhook’s jobStates).' },
    CLIENT_RUN_FINISHED: { description: 'The last job of a client task run ended; carries the run’s counts by state.' },
    APPROVAL_REQUESTED: { description: 'A change to a client task awaits approval.' },
    APPROVAL_DECIDED: { description: 'A pending client task change was approved, rejected or withdrawn.' },
    ACCESS_REQUEST_APPROVED: { description: 'An access request on a record was approved.' },
    SHARE_REFUSED: { description: 'A signed share bundle from a registered peer had objects this server refused.' },
    PING: { description: 'Sent by testWebhook only; cannot be subscribed to.' },
  },
});
registerEnumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description: 'PENDING while it is sent or waits for its next try; DELIVERED on a 2xx; FAILED when the receiver refused it (4xx other than 408 and 429) or the tries ran out.',
  valuesConfig: {
    PENDING: { description: 'Being sent, or waiting for its next try.' },
    DELIVERED: { description: 'The receiver answered 2xx. Final.' },
    FAILED: { description: 'The receiver refused it (a 4xx other than 408 and 429), or every try failed. Final.' },
  },
});

export const WebhookConnection = Connection(Webhook, 'Webhook');
export const WebhookDeliveryConnection = Connection(WebhookDelivery, 'WebhookDelivery');

@ObjectType({ description: 'What createWebhook and updateWebhook return.' })
export class WebhookPayload {
  @Field(() => Webhook, { description: 'The webhook after the change.' })
  webhook!: Webhook;
}

@ObjectType({ description: 'What testWebhook returns.' })
export class WebhookDeliveryPayload {
  @Field(() => WebhookDelivery, { description: 'The PING delivery; follow it in webhookDeliveries.' })
  delivery!: WebhookDelivery;
}
