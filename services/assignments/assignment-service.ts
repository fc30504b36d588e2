import { type FilterQuery, LockMode, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, EngineCommandKind, ClientTask, ClientTaskAssignment, ClientTaskCapability, InheritanceBreak, ManagedSystem, SystemGroup, type User } from '../../db/entities';
import { type ChainNode, effectiveAssignments, type GroupLink, groupChain } from '../../lib/effective-tasks';
import { TreeNodeKind } from '../../lib/enums';
import { type ScheduleInput, validateSchedule } from './schedule-validation';
import { type Actor, actorOf, addAuditEvent } from '../shared/audit';
import { type ClientTaskPermissions, isAdministrator } from '../client-tasks/permissions';
import { BadInputError, ConflictError } from '../shared/errors';
import { assertId, UUID } from '../shared/validation';
import type { EngineOutbox } from '../jobs/engine-outbox';
import { assignmentScheduleWorkflowId } from '../../lib/workflow-ids';
import { findByIdOrNotFound } from '../shared/find';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';

/** A group or a system named by a caller: exactly one of the two. */
export interface NodeInput {
  groupId?: string | null;
  systemId?: string | null;
}

/** A node of the tree with its path: the names from the root down to it, inclusive. */
export interface TreeNodeView {
  kind: TreeNodeKind;
  id: string;
  name: string;
  path: string[];
}

export interface EffectiveClientTaskView {
  assignment: ClientTaskAssignment;
  clientTask: ClientTask;
  fromNode: TreeNodeView;
  inheritanceBrokenAt: TreeNodeView | null;
}

interface GroupRow extends GroupLink {
  name: string;
}

type ResolvedNode = { kind: TreeNodeKind.GROUP; group: SystemGroup } | { kind: TreeNodeKind.SYSTEM; system: ManagedSystem };

function auditTarget(node: ResolvedNode): { type: string; id: string } {
  return node.kind === TreeNodeKind.GROUP ? { type: 'SystemGroup', id: node.group.id } : { type: 'ManagedSystem', id: node.system.id };
}

function nodeIds(node: ResolvedNode): { groupId: string } | { systemId: string } {
  return node.kind === TreeNodeKind.GROUP ? { groupId: node.group.id } : { systemId: node.system.id };
}

type GroupRowRecord = { id: string; name: string; parent_id: string | null };

function groupMap(rows: GroupRowRecord[]): Map<string, GroupRow> {
  return new Map(rows.map((row) => [row.id, { id: row.id, name: row.name, parentId: row.parent_id }]));
}

/**
 * Client task assignments on the system tree, inheritance breaks, and the effective tasks of a system.
 * Assignments follow the permission sets of their task's product: VIEW to see them, EDIT to change them.
 */
export class AssignmentService {
  private groupRowsOnce?: Promise<Map<string, GroupRow>>;

  constructor(
    private readonly em: EntityManager,
    private readonly permissions: ClientTaskPermissions,
    private readonly outbox: EngineOutbox,
  ) {}

  async assignment(id: string): Promise<ClientTaskAssignment> {
    return findByIdOrNotFound(this.em, ClientTaskAssignment, id, 'Assignment');
  }

  /** An assignment, for a user who may view its task's product. */
  async viewAssignment(user: User, id: string): Promise<ClientTaskAssignment> {
    const assignment = await this.assignment(id);
    await this.assertOnTaskOf(user, assignment, ClientTaskCapability.VIEW);
    return assignment;
  }

  /** Assigns a task at a group or system. A disabled task may be assigned; it runs nowhere until enabled (and approved). */
  async assignClientTask(user: User, clientTaskId: string, nodeInput: NodeInput, scheduleInput: ScheduleInput): Promise<ClientTaskAssignment> {
    const node = await this.resolveNode(nodeInput);
    const task = UUID.test(clientTaskId) ? await this.em.findOne(ClientTask, { id: clientTaskId }) : null;
    if (!task) throw new BadInputError(`No client task ${clientTaskId} exists`, 'clientTaskId');
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.EDIT);
    const schedule = validateSchedule(scheduleInput);
    const created = await this.em.transactional(async (em) => {
      const assignment = em.create(ClientTaskAssignment, {
        clientTask: ref(task),
        group: node.kind === TreeNodeKind.GROUP ? ref(node.group) : null,
        system: node.kind === TreeNodeKind.SYSTEM ? ref(node.system) : null,
        schedule,
      });
      addAuditEvent(em, {
        actor: actorOf(user),
        action: 'assignClientTask',
        target: { type: 'ClientTaskAssignment', id: assignment.id },
        outcome: AuditOutcome.SUCCESS,
        details: { clientTaskId: task.id, ...nodeIds(node), schedule },
      });
      this.tellSchedule(em, EngineCommandKind.ASSIGNMENT_SCHEDULE_CHANGED, assignment.id);
      return assignment;
    });
    await this.outbox.deliverSoon([assignmentScheduleWorkflowId(created.id)]);
    return created;
  }

  /** Replaces an assignment's schedule; a stale version is refused with CONFLICT. */
  async updateAssignment(user: User, assignmentId: string, scheduleInput: ScheduleInput, version: number): Promise<ClientTaskAssignment> {
    const assignment = await this.assignment(assignmentId);
    await this.assertOnTaskOf(user, assignment, ClientTaskCapability.EDIT);
    const schedule = validateSchedule(scheduleInput);
    await this.em.lock(assignment, LockMode.OPTIMISTIC, version);
    assignment.schedule = schedule;
    addAuditEvent(this.em, { actor: actorOf(user), action: 'updateAssignment', target: { type: 'ClientTaskAssignment', id: assignment.id }, outcome: AuditOutcome.SUCCESS, details: { schedule } });
    this.tellSchedule(this.em, EngineCommandKind.ASSIGNMENT_SCHEDULE_CHANGED, assignment.id);
    await this.em.flush();
    await this.outbox.deliverSoon([assignmentScheduleWorkflowId(assignment.id)]);
    return assignment;
  }

  async removeAssignment(user: User, assignmentId: string): Promise<string> {
    const assignment = await this.assignment(assignmentId);
    await this.assertOnTaskOf(user, assignment, ClientTaskCapability.EDIT);
    this.em.remove(assignment);
    addAuditEvent(this.em, {
      actor: actorOf(user),
      action: 'removeAssignment',
      target: { type: 'ClientTaskAssignment', id: assignment.id },
      outcome: AuditOutcome.SUCCESS,
      details: { clientTaskId: assignment.clientTask.id, groupId: assignment.group?.id ?? null, systemId: assignment.system?.id ?? null },
    });
    this.tellSchedule(this.em, EngineCommandKind.STOP_ASSIGNMENT_SCHEDULE, assignment.id);
    await this.em.flush();
    await this.outbox.deliverSoon([assignmentScheduleWorkflowId(assignment.id)]);
    return assignment.id;
  }

  /** The assignment's schedule workflow hears of the change once it commits (services/jobs/engine-outbox.ts). */
  private tellSchedule(em: EntityManager, kind: EngineCommandKind, assignmentId: string): void {
    this.outbox.add(em, { kind, workflowId: assignmentScheduleWorkflowId(assignmentId), subjectId: assignmentId });
  }

  /** The Client Task Assignments page: where one task is assigned (all, or at one group), newest first, for a user who may view the task. */
  async listAssignments(user: User, filter: { clientTaskId: string; systemTreeGroupId?: string | null }, page: PageRequest): Promise<Page<ClientTaskAssignment>> {
    const task = await findByIdOrNotFound(this.em, ClientTask, filter.clientTaskId, 'Client task');
    await this.permissions.assertOnTask(user, task, ClientTaskCapability.VIEW);
    const where: FilterQuery<ClientTaskAssignment> = { clientTask: task.id };
    if (filter.systemTreeGroupId) where.group = filter.systemTreeGroupId;
    return paginateNewestFirst(this.em, ClientTaskAssignment, where, page);
  }

  /** The assignments made directly on a node whose tasks the user may view, oldest first. */
  async assignmentsAt(user: User, nodeInput: NodeInput): Promise<ClientTaskAssignment[]> {
    const node = await this.resolveNode(nodeInput);
    const where = node.kind === TreeNodeKind.GROUP ? { group: node.group.id } : { system: node.system.id };
    return this.em.find(ClientTaskAssignment, { ...where, ...(await this.viewableTasks(user)) }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Breaks inheritance at a group or system (not the root, which inherits nothing). Breaking it again changes nothing. */
  async breakInheritance(actor: Actor, nodeInput: NodeInput): Promise<TreeNodeView> {
    const node = await this.resolveNode(nodeInput);
    if (node.kind === TreeNodeKind.GROUP && !node.group.parent) throw new BadInputError('The root group inherits nothing, so its inheritance cannot be broken', 'groupId');
    if (!(await this.findBreak(node))) {
      try {
        await this.em.transactional(async (em) => {
          em.create(InheritanceBreak, { group: node.kind === TreeNodeKind.GROUP ? ref(node.group) : null, system: node.kind === TreeNodeKind.SYSTEM ? ref(node.system) : null });
          addAuditEvent(em, { actor, action: 'breakInheritance', target: auditTarget(node), outcome: AuditOutcome.SUCCESS });
        });
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw new ConflictError('Inheritance was broken there at the same time; read it again');
        throw error;
      }
    }
    return this.view(node, await this.groupRows());
  }

  /** Restores inheritance at a node; resetting where it is not broken changes nothing. */
  async resetInheritance(actor: Actor, nodeInput: NodeInput): Promise<TreeNodeView> {
    const node = await this.resolveNode(nodeInput);
    const existing = await this.findBreak(node);
    if (existing) {
      this.em.remove(existing);
      addAuditEvent(this.em, { actor, action: 'resetInheritance', target: auditTarget(node), outcome: AuditOutcome.SUCCESS });
      await this.em.flush();
    }
    return this.view(node, await this.groupRows());
  }

  /** The Broken Inheritance view: every node where inheritance is broken, by path. */
  async brokenInheritance(): Promise<TreeNodeView[]> {
    const [breaks, groups] = await Promise.all([this.em.find(InheritanceBreak, {}, { populate: ['system'] }), this.groupRows()]);
    const views = breaks.map((entry) => {
      if (entry.group) return this.groupView(groups, entry.group.id);
      const system = entry.system!.getEntity();
      return this.systemView(groups, system);
    });
    return views.sort((a, b) => a.path.join('\u0000').localeCompare(b.path.join('\u0000')));
  }

  /** The node an assignment is made on. */
  async nodeOf(assignment: ClientTaskAssignment): Promise<TreeNodeView> {
    const groups = await this.groupRowsOfRequest();
    if (assignment.group) return this.groupView(groups, assignment.group.id);
    const system = await this.em.findOneOrFail(ManagedSystem, { id: assignment.system!.id });
    return this.systemView(groups, system);
  }

  /** Every assignment that applies to the system (of the tasks the user may view), where it comes from, and where inheritance is broken above it; root-most first. */
  async effectiveClientTasks(user: User, systemId: string): Promise<EffectiveClientTaskView[]> {
    // Two rounds of queries, each run side by side: this is asked per system, across trees of 100,000 (P4).
    assertId(systemId, 'System');
    const [system, ancestorRows, viewable] = await Promise.all([findByIdOrNotFound(this.em, ManagedSystem, systemId, 'System'), this.ancestorRowsOfSystem(systemId), this.viewableTasks(user)]);
    const ancestors = groupChain(ancestorRows, system.group.id);
    const groupIds = ancestors.map((group) => group.id);
    const nodeFilter = { $or: [{ group: { $in: groupIds } }, { system: system.id }] };
    const [assignments, breaks] = await Promise.all([
      this.em.find(ClientTaskAssignment, { ...nodeFilter, ...viewable }, { populate: ['clientTask'], orderBy: { createdAt: 'asc', id: 'asc' } }),
      this.em.find(InheritanceBreak, nodeFilter),
    ]);
    const broken = new Set(breaks.map((entry) => entry.group?.id ?? entry.system!.id));
    const byNode = new Map<string, ClientTaskAssignment[]>();
    for (const assignment of assignments) {
      const nodeId = assignment.group?.id ?? assignment.system!.id;
      byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), assignment]);
    }
    const chain: ChainNode<ClientTaskAssignment>[] = [
      ...ancestors.map((group) => ({ kind: TreeNodeKind.GROUP, id: group.id, name: group.name, brokenInheritance: broken.has(group.id), assignments: byNode.get(group.id) ?? [] })),
      { kind: TreeNodeKind.SYSTEM, id: system.id, name: system.name, brokenInheritance: broken.has(system.id), assignments: byNode.get(system.id) ?? [] },
    ];
    const names = chain.map((node) => node.name);
    const views = new Map<string, TreeNodeView>();
    const viewAt = (depth: number): TreeNodeView => {
      const node = chain[depth]!;
      let view = views.get(node.id);
      if (!view) views.set(node.id, (view = { kind: node.kind, id: node.id, name: node.name, path: names.slice(0, depth + 1) }));
      return view;
    };
    return effectiveAssignments(chain).map((entry) => ({
      assignment: entry.assignment,
      clientTask: entry.assignment.clientTask.getEntity(),
      fromNode: viewAt(entry.fromDepth),
      inheritanceBrokenAt: entry.inheritanceBrokenAt ? viewAt(chain.indexOf(entry.inheritanceBrokenAt)) : null,
    }));
  }

  private async assertOnTaskOf(user: User, assignment: ClientTaskAssignment, capability: ClientTaskCapability): Promise<void> {
    await this.permissions.assertOnTask(user, await this.em.findOneOrFail(ClientTask, { id: assignment.clientTask.id }), capability);
  }

  /** A filter on assignments: only those of tasks whose product the user may view; none for administrators, who view every product. */
  private async viewableTasks(user: User): Promise<{ clientTask?: { taskType: { product: { $in: string[] } } } }> {
    if (isAdministrator(user)) return {};
    return { clientTask: { taskType: { product: { $in: await this.permissions.viewableProductIds(user) } } } };
  }

  private async findBreak(node: ResolvedNode): Promise<InheritanceBreak | null> {
    return this.em.findOne(InheritanceBreak, node.kind === TreeNodeKind.GROUP ? { group: node.group.id } : { system: node.system.id });
  }

  /** The group table read once per request (this service lives for one request), for the node field resolved per assignment. */
  private groupRowsOfRequest(): Promise<Map<string, GroupRow>> {
    this.groupRowsOnce ??= this.groupRows();
    return this.groupRowsOnce;
  }

  /** Every group, small enough to hold: the tree's shape without its systems. */
  private async groupRows(): Promise<Map<string, GroupRow>> {
    return groupMap(await this.em.getConnection().execute<GroupRowRecord[]>('select id, name, parent_id from system_groups'));
  }

  /**
   * The system's group and its ancestors only, in one recursive query: a tree of 100,000 systems
   * has thousands of groups, and one system's chain is a handful (P4). The depth bound stops a cycle.
   */
  private async ancestorRowsOfSystem(systemId: string): Promise<Map<string, GroupRow>> {
    const rows = await this.em.getConnection().execute<GroupRowRecord[]>(
      `with recursive "chain" as (
         select "id", "name", "parent_id", 0 as "depth" from "system_groups" where "id" = (select "group_id" from "managed_systems" where "id" = ?)
         union all
         select "g"."id", "g"."name", "g"."parent_id", "chain"."depth" + 1 from "system_groups" "g" join "chain" on "g"."id" = "chain"."parent_id" where "chain"."depth" < 1000
       ) select "id", "name", "parent_id" from "chain"`,
      [systemId],
    );
    return groupMap(rows);
  }

  private groupView(groups: ReadonlyMap<string, GroupRow>, groupId: string): TreeNodeView {
    const chain = groupChain(groups, groupId);
    const group = chain[chain.length - 1]!;
    return { kind: TreeNodeKind.GROUP, id: group.id, name: group.name, path: chain.map((entry) => entry.name) };
  }

  private systemView(groups: ReadonlyMap<string, GroupRow>, system: ManagedSystem): TreeNodeView {
    return { kind: TreeNodeKind.SYSTEM, id: system.id, name: system.name, path: [...groupChain(groups, system.group.id).map((entry) => entry.name), system.name] };
  }

  private view(node: ResolvedNode, groups: ReadonlyMap<string, GroupRow>): TreeNodeView {
    return node.kind === TreeNodeKind.GROUP ? this.groupView(groups, node.group.id) : this.systemView(groups, node.system);
  }

  /** A node named by a caller; an unknown one is bad input. */
  private async resolveNode(input: NodeInput): Promise<ResolvedNode> {
    const { groupId, systemId } = input;
    if ((groupId == null) === (systemId == null)) throw new BadInputError('Name exactly one node: groupId or systemId', groupId == null ? 'groupId' : 'systemId');
    if (groupId != null) {
      const group = UUID.test(groupId) ? await this.em.findOne(SystemGroup, { id: groupId }) : null;
      if (!group) throw new BadInputError(`No group ${groupId} exists`, 'groupId');
      return { kind: TreeNodeKind.GROUP, group };
    }
    const system = UUID.test(systemId!) ? await this.em.findOne(ManagedSystem, { id: systemId! }) : null;
    if (!system) throw new BadInputError(`No system ${systemId} exists`, 'systemId');
    return { kind: TreeNodeKind.SYSTEM, system };
  }
}
