import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ClientTask, ClientTaskChange, User } from '../../db/entities';
import { Role } from '../../lib/enums';
import type { SettingDiff } from '../../services/client-tasks/approvals';
import { type StewardContext, currentActor, currentUser } from '../context';
import { ClientTaskChangeFilterInput, DecideClientTaskChangeInput, SetClientTaskApprovalRequiredInput } from '../inputs/approval-inputs';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { ClientTaskApprovalSettingPayload, ClientTaskChangeConnection, ClientTaskChangePayload, ClientTaskSettingDiff } from '../types/approval-types';
import { type ConnectionShape, toConnection } from '../types/connection';

@Authorized()
@Resolver()
export class ClientTaskApprovalSettingResolver {
  @Query(() => Boolean, { description: 'Whether every creation and change of a client task waits for an approver, whoever makes it.' })
  clientTaskApprovalRequired(@Ctx() context: StewardContext): Promise<boolean> {
    return context.services.approvals.approvalRequired();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ClientTaskApprovalSettingPayload, { description: 'Turns the server-wide approval of client task creations and changes on or off; pending changes stay pending.' })
  async setClientTaskApprovalRequired(
    @Arg('input', () => SetClientTaskApprovalRequiredInput, { description: 'Whether changes need approval from now on.' }) input: SetClientTaskApprovalRequiredInput,
    @Ctx() context: StewardContext,
  ): Promise<ClientTaskApprovalSettingPayload> {
    return { clientTaskApprovalRequired: await context.services.approvals.setApprovalRequired(currentActor(context), input.required) };
  }
}

@Authorized()
@Resolver(() => ClientTaskChange)
export class ClientTaskChangeResolver {
  @Query(() => ClientTaskChangeConnection, { description: 'Client task changes of the products you may view, newest first; pending ones unless filtered by state.', complexity: connectionComplexity })
  async pendingClientTaskChanges(
    @Arg('filter', () => ClientTaskChangeFilterInput, { nullable: true, description: 'Narrows the list; every PENDING change you may see when omitted.' }) filter: ClientTaskChangeFilterInput | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<ClientTaskChange>> {
    return toConnection(await context.services.approvals.list(currentUser(context), filter ?? {}, page));
  }

  @Query(() => ClientTaskChange, { description: 'FORBIDDEN unless your permission sets let you view the task’s product.' })
  clientTaskChange(@Arg('id', () => ID, { description: 'The proposed change’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<ClientTaskChange> {
    return context.services.approvals.change(currentUser(context), id);
  }

  @FieldResolver(() => ClientTask, { description: 'The client task the change is for.' })
  clientTask(@Root() change: ClientTaskChange, @Ctx() context: StewardContext): Promise<ClientTask> {
    return context.services.clientCatalog.clientTask(change.clientTask.id);
  }

  @FieldResolver(() => User, { description: 'Who proposed the change.' })
  proposedBy(@Root() change: ClientTaskChange): Promise<User> {
    return change.proposedBy.loadOrFail();
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who approved or rejected it; null while PENDING, or once that user is deleted.' })
  async decidedBy(@Root() change: ClientTaskChange): Promise<User | null> {
    return (await change.decidedBy?.load()) ?? null;
  }

  @FieldResolver(() => [ClientTaskSettingDiff], { description: 'The proposed settings, setting by setting, next to the task’s approved version now.' })
  diff(@Root() change: ClientTaskChange, @Ctx() context: StewardContext): Promise<SettingDiff[]> {
    return context.services.approvals.diff(change);
  }

  @Mutation(() => ClientTaskChangePayload, {
    description: 'Applies a pending change as the task’s next approved revision. Needs APPROVE on the product; nobody approves their own change. CONFLICT when the task changed since the proposal.',
  })
  async approveClientTaskChange(@Arg('input', () => DecideClientTaskChangeInput, { description: 'The PENDING change to approve, with an optional comment.' }) input: DecideClientTaskChangeInput, @Ctx() context: StewardContext): Promise<ClientTaskChangePayload> {
    return this.payload(await context.services.approvals.approve(currentUser(context), input.changeId, input.comment), context);
  }

  @Mutation(() => ClientTaskChangePayload, { description: 'Rejects a pending change; the task keeps its approved version. Needs APPROVE on the product, except for the author withdrawing their own change.' })
  async rejectClientTaskChange(@Arg('input', () => DecideClientTaskChangeInput, { description: 'The PENDING change to reject (or your own to withdraw), with an optional comment.' }) input: DecideClientTaskChangeInput, @Ctx() context: StewardContext): Promise<ClientTaskChangePayload> {
    return this.payload(await context.services.approvals.reject(currentUser(context), input.changeId, input.comment), context);
  }

  private async payload(change: ClientTaskChange, context: StewardContext): Promise<ClientTaskChangePayload> {
    return { change, clientTask: await context.services.clientCatalog.clientTask(change.clientTask.id) };
  }
}
