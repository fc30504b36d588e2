import type { EntityManager } from '@mikro-orm/postgresql';
import { AccessRequest, AuditOutcome, type User, VaultRecord } from '../../db/entities';
import { AccessRequestState, PolicyEvent, Role } from '../../lib/enums';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError, ForbiddenError } from '../shared/errors';
import type { AccessWorkflows } from '../ports';
import type { RecordService } from './record-service';
import type { TaskScheduler } from './task-scheduler';
import { findByIdOrNotFound } from '../shared/find';

const MAX_DURATION_MINUTES = 7 * 24 * 60;

/**
 * Access requests on records: request → approve (for a duration) or deny → check out → check
 * in, or expire. An approver cannot decide their own request.
 */
export class AccessRequestService {
  constructor(
    private readonly em: EntityManager,
    private readonly records: RecordService,
    private readonly scheduler: TaskScheduler,
    private readonly workflows: AccessWorkflows,
  ) {}

  async request(user: User, recordId: string, reason?: string | null): Promise<AccessRequest> {
    const record = await this.records.getRecord(recordId);
    const request = this.em.create(AccessRequest, { record, requester: user, reason: reason ?? null, workflowId: '' });
    request.workflowId = `access-request-${request.id}`;
    this.audit(user, 'requestAccess', request);
    await this.em.flush();
    await this.workflows.start(request);
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
    await this.em.flush();
    await this.workflows.approved(request);
    return request;
  }

  async deny(user: User, requestId: string): Promise<AccessRequest> {
    const request = await this.decidable(user, requestId);
    request.state = AccessRequestState.DENIED;
    request.decidedBy = this.em.getReference('User', user.id) as never;
    request.decidedAt = new Date();
    this.audit(user, 'denyAccessRequest', request);
    await this.em.flush();
    await this.workflows.denied(request);
    return request;
  }

  /** The requester takes the record while the approval lasts; the password is revealed, audited. */
  async checkOut(user: User, requestId: string): Promise<{ request: AccessRequest; password: string }> {
    const request = await this.get(requestId);
    if (request.requester.id !== user.id) throw new ForbiddenError('Only the requester can check out the record');
    if (request.state !== AccessRequestState.APPROVED || request.expiresAt! <= new Date()) {
      throw new ConflictError(`Only an approved, unexpired request can be checked out; this one is ${request.state}`);
    }
    request.state = AccessRequestState.CHECKED_OUT;
    request.checkedOutAt = new Date();
    this.audit(user, 'checkOutRecord', request);
    await this.em.flush();
    const password = await this.records.unlockRecord(actorOf(user), request.record.id, `check-out of request ${request.id}`);
    return { request, password };
  }

  async checkIn(user: User, requestId: string): Promise<AccessRequest> {
    const request = await this.get(requestId);
    if (request.requester.id !== user.id && !user.hasRole(Role.SYSTEM_ADMINISTRATOR)) throw new ForbiddenError('Only the requester or an administrator can check in');
    if (request.state !== AccessRequestState.APPROVED && request.state !== AccessRequestState.CHECKED_OUT) {
      throw new ConflictError(`Only an approved or checked-out request can be checked in; this one is ${request.state}`);
    }
    request.state = AccessRequestState.CHECKED_IN;
    request.checkedInAt = new Date();
    this.audit(user, 'checkInRecord', request);
    await this.em.flush();
    await this.workflows.checkedIn(request);
    return request;
  }

  /** Called by the request's workflow: fires the record's tasks for the event. */
  async fireEvent(requestId: string, event: PolicyEvent): Promise<void> {
    const request = await this.get(requestId);
    const record = await this.em.findOneOrFail(VaultRecord, { id: request.record.id });
    const what = { [PolicyEvent.AFTER_APPROVAL]: 'approved', [PolicyEvent.AFTER_CHECK_IN]: 'checked in', [PolicyEvent.AFTER_EXPIRE]: 'expired' }[event as string] ?? event;
    await this.scheduler.fireEvent(record, event, new Date(), `Access request ${request.id} ${what}`);
  }

  /** Called by the workflow when the approved time ran out without a check-in. */
  async expire(requestId: string): Promise<void> {
    const request = await this.get(requestId);
    if (request.state !== AccessRequestState.APPROVED && request.state !== AccessRequestState.CHECKED_OUT) return;
    request.state = AccessRequestState.EXPIRED;
    await this.em.flush();
    await this.fireEvent(requestId, PolicyEvent.AFTER_EXPIRE);
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
    const request = await findByIdOrNotFound(this.em, AccessRequest, requestId, 'Access request');
    return request;
  }

  list(recordId?: string | null): Promise<AccessRequest[]> {
    return this.em.find(AccessRequest, recordId ? { record: recordId } : {}, { orderBy: { createdAt: 'desc' }, limit: 100 });
  }

  private async decidable(user: User, requestId: string): Promise<AccessRequest> {
    const request = await this.get(requestId);
    if (request.requester.id === user.id) throw new ForbiddenError('You cannot decide your own access request');
    if (request.state !== AccessRequestState.PENDING) throw new ConflictError(`The request was already decided: it is ${request.state}`);
    return request;
  }

  private audit(user: User, action: string, request: AccessRequest, details?: Record<string, unknown>): void {
    addAuditEvent(this.em, {
      actor: actorOf(user),
      action,
      target: { type: 'AccessRequest', id: request.id },
      outcome: AuditOutcome.SUCCESS,
      details: { recordId: request.record.id, ...details },
    });
  }
}
