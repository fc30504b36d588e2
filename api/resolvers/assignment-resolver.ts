import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ClientTask, ClientTaskAssignment } from '../../db/entities';
import { Role } from '../../lib/enums';
import type { AssignmentSchedule as ScheduleData } from '../../lib/assignment-occurrences';
import type { EffectiveClientTaskView, TreeNodeView } from '../../services/assignments/assignment-service';
import { type StewardContext, currentActor, currentUser } from '../context';
import { AssignClientTaskInput, AssignmentFilterInput, RemoveAssignmentInput, TreeNodeInput, UpdateAssignmentInput } from '../inputs/assignment-inputs';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import {
  AssignmentPayload,
  AssignmentSchedule,
  ClientTaskAssignmentConnection,
  EffectiveClientTask,
  InheritancePayload,
  RemoveAssignmentPayload,
  TreeNode,
} from '../types/assignment-types';
import { type ConnectionShape, toConnection } from '../types/connection';

@Authorized()
@Resolver(() => ClientTaskAssignment)
export class ClientTaskAssignmentResolver {
  @Query(() => ClientTaskAssignment, { description: 'FORBIDDEN unless your permission sets let you view the task’s product.' })
  assignment(@Arg('id', () => ID, { description: 'The client task assignment’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<ClientTaskAssignment> {
    return context.services.assignments.viewAssignment(currentUser(context), id);
  }

  @Query(() => ClientTaskAssignmentConnection, {
    description: 'Client Task Assignments: where one task is assigned, newest first. FORBIDDEN unless your permission sets let you view the task’s product.',
    complexity: connectionComplexity,
  })
  async assignments(
    @Arg('filter', () => AssignmentFilterInput, { description: 'Which client task’s assignments to list, and optionally only those made at one group.' }) filter: AssignmentFilterInput,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<ClientTaskAssignment>> {
    return toConnection(await context.services.assignments.listAssignments(currentUser(context), filter, page));
  }

  @Query(() => [ClientTaskAssignment], { description: 'The assignments made directly at a group or system (not inherited ones), of the products you may view, oldest first.' })
  assignmentsAt(@Arg('node', () => TreeNodeInput, { description: 'The group or system (give exactly one of groupId and systemId) whose assignments to list.' }) node: TreeNodeInput, @Ctx() context: StewardContext): Promise<ClientTaskAssignment[]> {
    return context.services.assignments.assignmentsAt(currentUser(context), node);
  }

  @Query(() => [EffectiveClientTask], {
    description: 'Every client task that applies to a system (of the products you may view), the node it is assigned at, and where inheritance is broken above it; root-most first.',
  })
  effectiveClientTasks(@Arg('systemId', () => ID, { description: 'The managed system whose effective client tasks to list.' }) systemId: string, @Ctx() context: StewardContext): Promise<EffectiveClientTaskView[]> {
    return context.services.assignments.effectiveClientTasks(currentUser(context), systemId);
  }

  @Query(() => [TreeNode], { description: 'The Broken Inheritance view: every group and system where inheritance is broken, by path.' })
  brokenInheritance(@Ctx() context: StewardContext): Promise<TreeNodeView[]> {
    return context.services.assignments.brokenInheritance();
  }

  @FieldResolver(() => AssignmentSchedule, { description: 'When the task runs on the systems in scope.' })
  schedule(@Root() assignment: ClientTaskAssignment): ScheduleData {
    return assignment.schedule;
  }

  @FieldResolver(() => ClientTask, { description: 'The client task this assignment runs.' })
  clientTask(@Root() assignment: ClientTaskAssignment, @Ctx() context: StewardContext): Promise<ClientTask> {
    return context.services.clientCatalog.clientTask(assignment.clientTask.id);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the task runs: it must be approved and enabled as well as assigned.' })
  async runnable(@Root() assignment: ClientTaskAssignment, @Ctx() context: StewardContext): Promise<boolean> {
    const task = await context.services.clientCatalog.clientTask(assignment.clientTask.id);
    return task.enabled && task.approvedRevision > 0;
  }

  @FieldResolver(() => TreeNode, { description: 'The group or system the task is assigned at.' })
  node(@Root() assignment: ClientTaskAssignment, @Ctx() context: StewardContext): Promise<TreeNodeView> {
    return context.services.assignments.nodeOf(assignment);
  }

  @Mutation(() => AssignmentPayload, {
    description: 'Assigns a client task at a group or system with a schedule; needs EDIT on its product. A disabled or unapproved task may be assigned; it runs only once approved and enabled.',
  })
  async assignClientTask(@Arg('input', () => AssignClientTaskInput, { description: 'The client task, where on the system tree to assign it, and its schedule.' }) input: AssignClientTaskInput, @Ctx() context: StewardContext): Promise<AssignmentPayload> {
    const { clientTaskId, groupId, systemId, schedule } = input;
    return { assignment: await context.services.assignments.assignClientTask(currentUser(context), clientTaskId, { groupId, systemId }, schedule) };
  }

  @Mutation(() => AssignmentPayload, { description: 'Replaces an assignment’s schedule; needs EDIT on the task’s product. A stale version is refused with CONFLICT.' })
  async updateAssignment(@Arg('input', () => UpdateAssignmentInput, { description: 'The assignment, its new schedule and the version you read.' }) input: UpdateAssignmentInput, @Ctx() context: StewardContext): Promise<AssignmentPayload> {
    return { assignment: await context.services.assignments.updateAssignment(currentUser(context), input.assignmentId, input.schedule, input.version) };
  }

  @Mutation(() => RemoveAssignmentPayload, { description: 'Needs EDIT on the task’s product.' })
  async removeAssignment(@Arg('input', () => RemoveAssignmentInput, { description: 'The client task assignment to remove.' }) input: RemoveAssignmentInput, @Ctx() context: StewardContext): Promise<RemoveAssignmentPayload> {
    return { removedAssignmentId: await context.services.assignments.removeAssignment(currentUser(context), input.assignmentId) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => InheritancePayload, { description: 'Breaks inheritance at a group or system: it no longer receives assignments from above. Not at the root.' })
  async breakInheritance(@Arg('input', () => TreeNodeInput, { description: 'The group or system that stops inheriting assignments from above.' }) input: TreeNodeInput, @Ctx() context: StewardContext): Promise<InheritancePayload> {
    return { node: await context.services.assignments.breakInheritance(currentActor(context), input), inheritanceBroken: true };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => InheritancePayload, { description: 'Restores inheritance at a group or system.' })
  async resetInheritance(@Arg('input', () => TreeNodeInput, { description: 'The group or system that inherits assignments from above again.' }) input: TreeNodeInput, @Ctx() context: StewardContext): Promise<InheritancePayload> {
    return { node: await context.services.assignments.resetInheritance(currentActor(context), input), inheritanceBroken: false };
  }
}

/** A client task's assignments, for whoever was shown the task (assignments follow their task's product). */
@Authorized()
@Resolver(() => ClientTask)
export class ClientTaskAssignmentsResolver {
  @FieldResolver(() => [ClientTaskAssignment], { description: 'Every group and system the task is assigned at, oldest first; loaded for many tasks in one query.' })
  async assignments(@Root() task: ClientTask): Promise<ClientTaskAssignment[]> {
    const assignments = await task.assignments.load();
    return [...assignments].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }
}
