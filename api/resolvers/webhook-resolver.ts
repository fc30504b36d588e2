import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Webhook, WebhookDelivery } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { CreateWebhookInput, DeleteWebhookInput, TestWebhookInput, UpdateWebhookInput } from '../inputs/webhook-inputs';
import { type ConnectionShape, toConnection } from '../types/connection';
import { DeletedPayload } from '../types/deleted-payload';
import { WebhookConnection, WebhookDeliveryConnection, WebhookDeliveryPayload, WebhookPayload } from '../types/webhook-types';

@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => WebhookConnection, { description: 'The registered webhooks, newest first. Secrets are never shown, only their fingerprints.', complexity: connectionComplexity })
  async webhooks(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext): Promise<ConnectionShape<Webhook>> {
    return toConnection(await context.services.webhooks.list(page));
  }

  @Query(() => WebhookDeliveryConnection, { description: 'What was sent to a webhook, newest first: each delivery’s tries, last status and error.', complexity: connectionComplexity })
  async webhookDeliveries(
    @Arg('webhookId', () => ID, { description: 'The webhook whose deliveries to list.' }) webhookId: string,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<WebhookDelivery>> {
    return toConnection(await context.services.webhooks.deliveries(webhookId, page));
  }

  @Mutation(() => WebhookPayload, { description: 'Registers a URL to be sent the chosen events, signed with the secret (see docs/webhooks.md).' })
  async createWebhook(@Arg('input', () => CreateWebhookInput, { description: 'The new webhook’s name, URL, secret and events.' }) input: CreateWebhookInput, @Ctx() context: StewardContext): Promise<WebhookPayload> {
    const { secret, ...fields } = input;
    return { webhook: await context.services.webhooks.create(currentActor(context), fields, secret) };
  }

  @Mutation(() => WebhookPayload, { description: 'Changes a webhook; a stale version is refused with CONFLICT. Omitted fields keep their values.' })
  async updateWebhook(@Arg('input', () => UpdateWebhookInput, { description: 'The webhook, the fields to change and the version you read.' }) input: UpdateWebhookInput, @Ctx() context: StewardContext): Promise<WebhookPayload> {
    const { id, version, ...changes } = input;
    return { webhook: await context.services.webhooks.update(currentActor(context), id, changes, version) };
  }

  @Mutation(() => DeletedPayload, { description: 'Removes a webhook and its delivery log; deliveries not yet sent are dropped.' })
  async deleteWebhook(@Arg('input', () => DeleteWebhookInput, { description: 'The webhook to delete and the version you read.' }) input: DeleteWebhookInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.webhooks.remove(currentActor(context), input.id, input.version);
    return { id: input.id };
  }

  @Mutation(() => WebhookDeliveryPayload, { description: 'Sends the webhook a signed PING, enabled or not, to check the receiver and its secret.' })
  async testWebhook(@Arg('input', () => TestWebhookInput, { description: 'The webhook to ping.' }) input: TestWebhookInput, @Ctx() context: StewardContext): Promise<WebhookDeliveryPayload> {
    return { delivery: await context.services.webhooks.test(currentActor(context), input.id) };
  }
}
