import { type FilterQuery, LockMode, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientTask, ClientTaskCapability, ClientTaskChange, ClientTaskChangeState, ServerSettings, User, WebhookEvent } from '../../db/entities';
import { compareSettings } from '../../lib/settings-comparison';
import { type Actor, actorOf, addAuditEvent, recordAuditEventNow } from '../shared/audit';
import type { ClientTaskPermissions } from './permissions';
import { BadInputError, ConflictError, ForbiddenError } from '../shared/errors';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import { findByIdOrNotFound } from '../shared/find';
import type { WebhookEvents } from '../webhooks/webhook-events';

/** A whole version of a client task object: what a change proposes and an approval applies. */
export interface ClientTaskVersion {
  name: string;
  settings: Record<string, unknown>;
  enabled: boolean;
}

export interface ClientTaskChangeFilter {
  product?: string | null;
  /** PENDING unless given. */
  state?: ClientTaskChangeState | null;
}

export interface SettingDiff {
  key: string;
  approved: unknown;
  proposed: unknown;
  same: boolean;
}

const MAX_COMMENT_LENGTH = 1000;

function decisionComment(comment: string | null | undefined): string | null {
  const trimmed = comment?.trim() ?? '';
  if (trimmed.length > MAX_COMMENT_LENGTH) throw new BadInputError(`A comment is at most ${MAX_COMMENT_LENGTH} characters`, 'comment');
  return trimmed || null;
}

/** The approval of client task objects: the server setting, proposed changes, and their approval or rejection. */
export class ClientTaskApprovals {
  constructor(
    private readonly em: EntityManager,
    private readonly permissions: ClientTaskPermissions,
    private readonly webhooks: WebhookEvents,
  ) {}

  async approvalRequired(): Promise<boolean> {
    return (await this.em.findOneOrFail(ServerSettings, { id: 1 })).clientTaskApprovalRequired;
  }

  /** Turning it off leaves pending changes pending: they were proposed for an approver. */
  async setApprovalRequired(actor: Actor, required: boolean): Promise<boolean> {
    await this.em.transactional(async (em) => {
      // Plain SQL, since the ORM would bump the row's version: that version guards what the fallback settings' editors read, and this flag is none of theirs.
      await em.execute('update "server_settings" set "client_task_approval_required" = ? where "id" = 1', [required]);
      addAuditEvent(em, { actor, action: 'setClientTaskApprovalRequired', target: { type: 'ServerSettings', id: '1' }, outcome: AuditOutcome.SUCCESS, details: { required } });
    });
    return required;
  }

  /**
   * Adds a proposed version of the task to the caller's unit of work (`em`, its transaction). The
   * caller holds the task's row lock, so the checks below stay true until it commits.
   */
  async propose(em: EntityManager, user: User, task: ClientTask, proposed: ClientTaskVersion): Promise<ClientTaskChange> {
    if (await this.pendingChangeOf(task, em)) throw new ConflictError(`A change to "${task.name}" already awaits approval; it must be approved or rejected first`);
    if (proposed.name !== task.name && (await em.count(ClientTask, { taskType: task.taskType.id, name: proposed.name }))) {
      throw new ConflictError(`A client task of this type named "${proposed.name}" already exists`);
    }
    const change = em.create(ClientTaskChange, { clientTask: ref(task), baseRevision: task.approvedRevision, ...proposed, proposedBy: ref(User, user.id) });
    await this.webhooks.emit(em, WebhookEvent.APPROVAL_REQUESTED, {
      change: { id: change.id, clientTaskId: task.id, taskName: change.name, baseRevision: change.baseRevision, proposedBy: user.id, proposedAt: change.createdAt.toISOString() },
    });
    return change;
  }

  pendingChangeOf(task: ClientTask, em: EntityManager = this.em): Promise<ClientTaskChange | null> {
    return em.findOne(ClientTaskChange, { clientTask: task.id, state: ClientTaskChangeState.PENDING });
  }

  /** A change, for a user who may view its product's client tasks. */
  async change(user: User, id: string): Promise<ClientTaskChange> {
    const change = await this.find(id);
    await this.permissions.assertOnTask(user, await this.taskOf(change), ClientTaskCapability.VIEW);
    return change;
  }

  /** Changes of the products the user may view, newest first. */
  async list(user: User, filter: ClientTaskChangeFilter, page: PageRequest): Promise<Page<ClientTaskChange>> {
    const product: Record<string, unknown> = { id: { $in: await this.permissions.viewableProductIds(user) } };
    if (filter.product != null) product.name = filter.product;
    const where = { state: filter.state ?? ClientTaskChangeState.PENDING, clientTask: { taskType: { product } } } as FilterQuery<ClientTaskChange>;
    return paginateNewestFirst(this.em, ClientTaskChange, where, page);
  }

  /** The proposed settings against the task's approved version now; a task never approved has no approved values. */
  async diff(change: ClientTaskChange): Promise<SettingDiff[]> {
    const task = await this.taskOf(change);
    const approved = task.approvedRevision > 0 ? task.settings : {};
    return compareSettings(approved, change.settings).map(({ key, left, right, same }) => ({ key, approved: left, proposed: right, same }));
  }

  /** Applies the change as the task's next approved revision. Nobody approves their own change, administrators included. */
  approve(user: User, changeId: string, comment?: string | null): Promise<ClientTaskChange> {
    return this.decide(user, changeId, ClientTaskChangeState.APPROVED, comment);
  }

  /** The task keeps its approved version. Approvers reject; the author may withdraw their own change the same way. */
  reject(user: User, changeId: string, comment?: string | null): Promise<ClientTaskChange> {
    return this.decide(user, changeId, ClientTaskChangeState.REJECTED, comment);
  }

  private async decide(user: User, changeId: string, decision: ClientTaskChangeState, rawComment: string | null | undefined): Promise<ClientTaskChange> {
    const comment = decisionComment(rawComment);
    const change = await this.find(changeId);
    const task = await this.taskOf(change);
    const action = decision === ClientTaskChangeState.APPROVED ? 'approveClientTaskChange' : 'rejectClientTaskChange';
    const ownChange = change.proposedBy.id === user.id;
    if (ownChange && decision === ClientTaskChangeState.APPROVED) {
      await recordAuditEventNow(this.em, {
        actor: actorOf(user),
        action,
        target: { type: 'ClientTask', id: task.id },
        outcome: AuditOutcome.FAILURE,
        details: { changeId, code: 'FORBIDDEN', reason: 'own change' },
      });
      throw new ForbiddenError('You cannot approve your own change; another approver has to');
    }
    if (!ownChange) await this.permissions.assertOnTask(user, task, ClientTaskCapability.APPROVE);
    try {
      return await this.em.transactional(async (em) => {
        // Row locks: two decisions on one change, or an approval racing an edit of the task, go one after the other.
        const pending = await em.findOneOrFail(ClientTaskChange, { id: change.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (pending.state !== ClientTaskChangeState.PENDING) throw new ConflictError(`The change was already ${pending.state.toLowerCase()}`);
        let revision: number | null = null;
        if (decision === ClientTaskChangeState.APPROVED) {
          const current = await em.findOneOrFail(ClientTask, { id: task.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
          if (current.approvedRevision !== pending.baseRevision) {
            throw new ConflictError(`"${current.name}" changed after this change was proposed (revision ${current.approvedRevision} is approved now, the change was made to revision ${pending.baseRevision}); reject it and propose it again`);
          }
          current.applyRevision(pending);
          revision = current.approvedRevision;
        }
        pending.state = decision;
        pending.decidedBy = ref(User, user.id);
        pending.decidedAt = new Date();
        pending.comment = comment;
        addAuditEvent(em, {
          actor: actorOf(user),
          action,
          target: { type: 'ClientTask', id: task.id },
          outcome: AuditOutcome.SUCCESS,
          details: { changeId, comment, ...(revision != null ? { revision } : { withdrawn: ownChange }) },
        });
        await this.webhooks.emit(em, WebhookEvent.APPROVAL_DECIDED, {
          change: { id: pending.id, clientTaskId: task.id, taskName: pending.name, state: decision, revision, withdrawn: ownChange, decidedBy: user.id, decidedAt: pending.decidedAt?.toISOString() ?? null },
        });
        return pending;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`Another client task of this type is named "${change.name}" now; reject the change and propose another name`);
      throw error;
    }
  }

  private async find(id: string): Promise<ClientTaskChange> {
    return findByIdOrNotFound(this.em, ClientTaskChange, id, 'Client task change');
  }

  private taskOf(change: ClientTaskChange): Promise<ClientTask> {
    return this.em.findOneOrFail(ClientTask, { id: change.clientTask.id });
  }
}
