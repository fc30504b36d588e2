import type { EntityManager } from '@mikro-orm/postgresql';
import { AccessRequest, AuditOutcome, EngineCommandKind, type User, VaultRecord, WebhookEvent } from '../../db/entities';
import { AccessRequestState, PolicyEvent, RecordPermission, Role } from '../../lib/enums';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from '../shared/errors';
import type { EngineOutbox } from '../jobs/engine-outbox';
import type { RecordAccess } from './record-access';
import type { RecordLifecycle } from './record-lifecycle';
import type { RevealedPassword } from './revealed-password';
import type { InVaultTransaction, VaultScope } from './vault-transaction';
import { findByIdOrNotFound } from '../shared/find';
import { UUID } from '../shared/validation';
import type { WebhookEvents } from '../webhooks/webhook-events';

const MAX_DURATION_MINUTES = 7 * 24 * 60;

/**
 * Access requests on records: request → approve (for a duration) or deny → check out → check
 * in, or expire. An approver cannot decide their own request. Requests are seen, made and used
 * only by those who may view their record; the approval is what lets the requester check the
 * record out and see its password, so check-out needs no Unlock permission.
 */
export class AccessRequestService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: RecordAccess,
    private readonly lifecycle: RecordLifecycle,
    private readonly inTransaction: InVaultTransaction,
    private readonly outbox: EngineOutbox,
    private readonly webhooks: WebhookEvents,
  ) {}

  async request(user: User, recordId: string, reason?: string | null): Promise<AccessRequest> {
    const record = await this.access.viewable(user, recordId);
    const request = this.em.create(AccessRequest, { record, requester: user, reason: reason ?? null, workflowId: '' });
    request.workflowId = `access-request-${request.id}`;
    this.audit(user, 'requestAccess', request);
    this.tellEngine(EngineCommandKind.START_ACCESS_REQUEST, request);
    await this.em.flush();
    await this.outbox.deliverSoon([request.workflowId]);
    return request;
  }

  async approve(user: User, requestId: string, durationMinutes: number): Promise<AccessRequest> {
    if (!Number.isInteger(durationMinutes) || durationMinutes < 1 || durationMinutes > MAX_DURATION_MINUTES) {
      throw new BadInputError(`durationMinutes must be between 1 and ${MAX_DURATION_MINUTES}`, 'durationMinutes');
    }
    const request = await this.decidable(user, requestId);
    request.state = AccessRequestState.APPROVED;
    request.decidedBy = this.em.getReference('User', user.id) as never;
    request.decidedAt = new Date();
    request.durationMinutes = durationMinutes;
    request.expiresAt = new Date(Date.now() + durationMinutes * 60_000);
    this.audit(user, 'approveAccessRequest', request, { durationMinutes });
    this.tellEngine(EngineCommandKind.ACCESS_APPROVED, request);
    await this.webhooks.emit(this.em, WebhookEvent.ACCESS_REQUEST_APPROVED, {
      accessRequest: { id: request.id, recordId: request.record.id, requesterId: request.requester.id, decidedBy: user.id, decidedAt: request.decidedAt?.toISOString() ?? null, durationMinutes, expiresAt: request.expiresAt?.toISOString() ?? null },
    });
    await this.em.flush();
    await this.outbox.deliverSoon([request.workflowId]);
    return request;
  }

  async deny(user: User, requestId: string): Promise<AccessRequest> {
    const request = await this.decidable(user, requestId);
    request.state = AccessRequestState.DENIED;
    request.decidedBy = this.em.getReference('User', user.id) as never;
    request.decidedAt = new Date();
    this.audit(user, 'denyAccessRequest', request);
    this.tellEngine(EngineCommandKind.ACCESS_DENIED, request);
    await this.em.flush();
    await this.outbox.deliverSoon([request.workflowId]);
    return request;
  }

  /** The requester takes the record while the approval lasts; the password is revealed, audited, and After Unlock fires. */
  async checkOut(user: User, requestId: string): Promise<{ request: AccessRequest } & RevealedPassword> {
    const request = await this.viewable(user, requestId);
    if (request.requester.id !== user.id) throw new ForbiddenError('Only the requester can check out the record');
    if (request.state !== AccessRequestState.APPROVED || request.expiresAt! <= new Date()) {
      throw new ConflictError(`Only an approved, unexpired request can be checked out; this one is ${request.state}`);
    }
    // The check-out, its reveal and the After Unlock jobs commit together.
    return this.inTransaction(async (scope) => {
      request.state = AccessRequestState.CHECKED_OUT;
      request.checkedOutAt = new Date();
      this.audit(user, 'checkOutRecord', request, undefined, scope.em);
      const revealed = await this.lifecycle.reveal(scope, user, request.record.id, `check-out of request ${request.id}`);
      return { request, ...revealed };
    });
  }

  async checkIn(user: User, requestId: string): Promise<AccessRequest> {
    const request = await this.viewable(user, requestId);
    if (request.requester.id !== user.id && !user.hasRole(Role.SYSTEM_ADMINISTRATOR)) throw new ForbiddenError('Only the requester or an administrator can check in');
    if (request.state !== AccessRequestState.APPROVED && request.state !== AccessRequestState.CHECKED_OUT) {
      throw new ConflictError(`Only an approved or checked-out request can be checked in; this one is ${request.state}`);
    }
    request.state = AccessRequestState.CHECKED_IN;
    request.checkedInAt = new Date();
    this.audit(user, 'checkInRecord', request);
    this.tellEngine(EngineCommandKind.ACCESS_CHECKED_IN, request);
    await this.em.flush();
    await this.outbox.deliverSoon([request.workflowId]);
    return request;
  }

  /** The request's workflow hears of the change once it commits (services/jobs/engine-outbox.ts). */
  private tellEngine(kind: EngineCommandKind, request: AccessRequest): void {
    this.outbox.add(this.em, { kind, workflowId: request.workflowId, subjectId: request.id });
  }

  /** Called by the request's workflow: fires the record's tasks for the event, all of their jobs in one transaction. */
  async fireEvent(requestId: string, event: PolicyEvent): Promise<void> {
    const request = await this.get(requestId);
    await this.inTransaction((scope) => this.fireEventIn(scope, request, event));
  }

  private async fireEventIn({ em, scheduler }: VaultScope, request: AccessRequest, event: PolicyEvent): Promise<void> {
    const record = await em.findOneOrFail(VaultRecord, { id: request.record.id });
    const what = { [PolicyEvent.AFTER_APPROVAL]: 'approved', [PolicyEvent.AFTER_CHECK_IN]: 'checked in', [PolicyEvent.AFTER_EXPIRE]: 'expired' }[event as string] ?? event;
    await scheduler.fireEvent(record, event, new Date(), `Access request ${request.id} ${what}`);
  }

  /**
   * Called by the workflow when the approved time ran out without a check-in. The state and the
   * After Expire jobs commit together: a retry after a crash finds either both or neither.
   */
  async expire(requestId: string): Promise<void> {
    const request = await this.get(requestId);
    if (request.state !== AccessRequestState.APPROVED && request.state !== AccessRequestState.CHECKED_OUT) return;
    await this.inTransaction(async (scope) => {
      request.state = AccessRequestState.EXPIRED;
      await this.fireEventIn(scope, request, PolicyEvent.AFTER_EXPIRE);
    });
  }

  /** Called by the workflow when nobody decided in time. */
  async lapse(requestId: string): Promise<void> {
    const request = await this.get(requestId);
    if (request.state === AccessRequestState.PENDING) {
      request.state = AccessRequestState.EXPIRED;
      await this.em.flush();
    }
  }

  async get(requestId: string): Promise<AccessRequest> {
    return findByIdOrNotFound(this.em, AccessRequest, requestId, 'Access request');
  }

  /** A request on a record the user may not view answers as one that does not exist. */
  async viewable(user: User, requestId: string): Promise<AccessRequest> {
    const request = await this.get(requestId);
    if (!(await this.access.has(user, request.record.id, RecordPermission.VIEW))) throw new NotFoundError('Access request', requestId);
    return request;
  }

  /** The requests on records the user may view, newest first. */
  async list(user: User, recordId?: string | null): Promise<AccessRequest[]> {
    if (recordId && !UUID.test(recordId)) return [];
    const where = { $and: [recordId ? { record: recordId } : {}, this.access.onViewableRecords<AccessRequest>(user)] };
    return this.em.find(AccessRequest, where, { orderBy: { createdAt: 'desc' }, limit: 100 });
  }

  private async decidable(user: User, requestId: string): Promise<AccessRequest> {
    const request = await this.get(requestId);
    if (request.requester.id === user.id) throw new ForbiddenError('You cannot decide your own access request');
    if (request.state !== AccessRequestState.PENDING) throw new ConflictError(`The request was already decided: it is ${request.state}`);
    return request;
  }

  private audit(user: User, action: string, request: AccessRequest, details?: Record<string, unknown>, em = this.em): void {
    addAuditEvent(em, {
      actor: actorOf(user),
      action,
      target: { type: 'AccessRequest', id: request.id },
      outcome: AuditOutcome.SUCCESS,
      details: { recordId: request.record.id, ...details },
    });
  }
}
