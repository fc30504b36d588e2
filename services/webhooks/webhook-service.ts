import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, FINAL_JOB_STATES, type JobState, Webhook, WebhookDelivery, WebhookEvent } from '../../db/entities';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import type { WebhookEvents } from './webhook-events';
import { secretFingerprint, type WebhookSecrets } from './webhook-secrets';

export interface WebhookFields {
  name: string;
  url: string;
  events: WebhookEvent[];
  jobStates: JobState[];
  enabled: boolean;
}

const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 256;

function checkedFields(fields: WebhookFields): WebhookFields {
  const name = fields.name.trim();
  if (!name || name.length > 128) throw new BadInputError('A webhook name is 1-128 characters', 'name');
  if (fields.url.length > 2048) throw new BadInputError('url is at most 2048 characters', 'url');
  let url: URL;
  try {
    url = new URL(fields.url);
  } catch {
    throw new BadInputError('url must be an absolute URL', 'url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BadInputError('url must be http or https', 'url');
  // GraphQL shows the URL to every administrator: what authenticates the delivery is the signature.
  if (url.username || url.password) throw new BadInputError('url must not carry credentials; receivers check the signature instead', 'url');
  const events = [...new Set(fields.events)];
  if (!events.length) throw new BadInputError('Choose at least one event', 'events');
  if (events.includes(WebhookEvent.PING)) throw new BadInputError('PING is sent by testWebhook only; it is not subscribed to', 'events');
  const jobStates = [...new Set(fields.jobStates)];
  const notFinal = jobStates.find((state) => !FINAL_JOB_STATES.includes(state));
  if (notFinal) throw new BadInputError(`${notFinal} is not a final job state; JOB_FINISHED is sent for ${FINAL_JOB_STATES.join(', ')}`, 'jobStates');
  return { name, url: fields.url, events, jobStates, enabled: fields.enabled };
}

function checkedSecret(secret: string): string {
  if (secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH) {
    throw new BadInputError(`The secret is ${MIN_SECRET_LENGTH}-${MAX_SECRET_LENGTH} characters (for example 32 random bytes, hex)`, 'secret');
  }
  return secret;
}

/**
 * Webhooks, for administrators: registering them with their signing secret (sealed, never shown
 * again), changing and removing them, and the log of what was sent. Every change is audited with
 * the secret's fingerprint only.
 */
export class WebhookService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: WebhookSecrets,
    private readonly events: WebhookEvents,
  ) {}

  list(page: PageRequest): Promise<Page<Webhook>> {
    return paginateNewestFirst(this.em, Webhook, {}, page);
  }

  get(id: string): Promise<Webhook> {
    return findByIdOrNotFound(this.em, Webhook, id, 'Webhook');
  }

  async deliveries(webhookId: string, page: PageRequest): Promise<Page<WebhookDelivery>> {
    const webhook = await this.get(webhookId);
    return paginateNewestFirst(this.em, WebhookDelivery, { webhook: webhook.id }, page);
  }

  async create(actor: Actor, fields: WebhookFields, secret: string): Promise<Webhook> {
    const checked = checkedFields(fields);
    const sealable = checkedSecret(secret);
    return this.em.transactional(async (em) => {
      const webhook = em.create(Webhook, { ...checked, encryptedSecret: '', secretFingerprint: secretFingerprint(sealable) });
      webhook.encryptedSecret = this.secrets.seal(webhook.id, sealable);
      this.audit(em, actor, 'createWebhook', webhook);
      return webhook;
    });
  }

  async update(actor: Actor, id: string, changes: Partial<WebhookFields> & { secret?: string | null }, version: number): Promise<Webhook> {
    const { secret, ...fieldChanges } = changes;
    const current = await this.get(id);
    const next = checkedFields({ name: current.name, url: current.url, events: current.events, jobStates: current.jobStates, enabled: current.enabled, ...definedOnly(fieldChanges) });
    const newSecret = secret == null ? null : checkedSecret(secret);
    return this.em.transactional(async (em) => {
      const webhook = await em.findOneOrFail(Webhook, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      await em.lock(webhook, LockMode.OPTIMISTIC, version);
      em.assign(webhook, next);
      if (newSecret) {
        webhook.encryptedSecret = this.secrets.seal(webhook.id, newSecret);
        webhook.secretFingerprint = secretFingerprint(newSecret);
      }
      this.audit(em, actor, 'updateWebhook', webhook, { secretChanged: Boolean(newSecret) });
      await em.flush();
      return webhook;
    });
  }

  /** Its deliveries go with it; a delivery's workflow that finds its row gone ends without sending. */
  async remove(actor: Actor, id: string, version: number): Promise<void> {
    await this.em.transactional(async (em) => {
      const webhook = await findByIdOrNotFound(em, Webhook, id, 'Webhook');
      await em.lock(webhook, LockMode.OPTIMISTIC, version);
      this.audit(em, actor, 'deleteWebhook', webhook);
      em.remove(webhook);
    });
  }

  /** Sends a PING to the webhook, enabled or not, so an administrator can check the receiver and its secret. */
  async test(actor: Actor, id: string): Promise<WebhookDelivery> {
    return this.em.transactional(async (em) => {
      const webhook = await findByIdOrNotFound(em, Webhook, id, 'Webhook');
      const delivery = this.events.deliver(em, webhook, WebhookEvent.PING, { webhook: { id: webhook.id, name: webhook.name }, requestedBy: actor.id });
      this.audit(em, actor, 'testWebhook', webhook, { deliveryId: delivery.id });
      return delivery;
    });
  }

  private audit(em: EntityManager, actor: Actor, action: string, webhook: Webhook, details: Record<string, unknown> = {}): void {
    addAuditEvent(em, {
      actor,
      action,
      target: { type: 'Webhook', id: webhook.id },
      outcome: AuditOutcome.SUCCESS,
      // The origin only: some receivers (chat services) take a token in the URL's path.
      details: { name: webhook.name, urlOrigin: new URL(webhook.url).origin, events: webhook.events, jobStates: webhook.jobStates, enabled: webhook.enabled, secretFingerprint: webhook.secretFingerprint, ...details },
    });
  }
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value != null)) as Partial<T>;
}
