import { Arg, Authorized, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { AccessRequest, RecordSession, User, VaultRecord } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentUser } from '../context';
import { AccessRequestRefInput, ApproveAccessInput, RequestAccessInput, SessionRefInput, StartSessionInput } from '../inputs/access-inputs';

@ObjectType()
export class AccessRequestPayload {
  @Field(() => AccessRequest)
  request!: AccessRequest;
}

@ObjectType()
export class CheckOutPayload {
  @Field(() => AccessRequest)
  request!: AccessRequest;

  @Field(() => String, { description: 'The current password; the check-out is in the audit log.' })
  password!: string;
}

@ObjectType()
export class SessionPayload {
  @Field(() => RecordSession)
  session!: RecordSession;
}

@Authorized()
@Resolver(() => AccessRequest)
export class AccessRequestResolver {
  @Query(() => [AccessRequest], { description: 'Access requests, newest first (at most 100), optionally of one record.' })
  accessRequests(@Arg('recordId', () => ID, { nullable: true }) recordId: string | undefined, @Ctx() context: StewardContext): Promise<AccessRequest[]> {
    return context.services.accessRequests.list(recordId);
  }

  @FieldResolver(() => VaultRecord)
  record(@Root() request: AccessRequest): Promise<VaultRecord> {
    return request.record.loadOrFail();
  }

  @FieldResolver(() => User)
  requester(@Root() request: AccessRequest): Promise<User> {
    return request.requester.loadOrFail();
  }

  @FieldResolver(() => User, { nullable: true })
  async decidedBy(@Root() request: AccessRequest): Promise<User | null> {
    return (await request.decidedBy?.load()) ?? null;
  }

  @Mutation(() => AccessRequestPayload, { description: 'Asks for access to a record; an approver decides.' })
  async requestAccess(@Arg('input', () => RequestAccessInput) input: RequestAccessInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    return { request: await context.services.accessRequests.request(currentUser(context), input.recordId, input.reason) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => AccessRequestPayload, { description: "Approves for a duration; fires the record's After Approval tasks. Not your own request." })
  async approveAccessRequest(@Arg('input', () => ApproveAccessInput) input: ApproveAccessInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    return { request: await context.services.accessRequests.approve(currentUser(context), input.requestId, input.durationMinutes) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => AccessRequestPayload)
  async denyAccessRequest(@Arg('input', () => AccessRequestRefInput) input: AccessRequestRefInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    return { request: await context.services.accessRequests.deny(currentUser(context), input.requestId) };
  }

  @Mutation(() => CheckOutPayload, { description: 'The requester checks the record out while the approval lasts, and gets its password.' })
  async checkOutRecord(@Arg('input', () => AccessRequestRefInput) input: AccessRequestRefInput, @Ctx() context: StewardContext): Promise<CheckOutPayload> {
    return context.services.accessRequests.checkOut(currentUser(context), input.requestId);
  }

  @Mutation(() => AccessRequestPayload, { description: "Checks the record back in; fires its After Check-In tasks." })
  async checkInRecord(@Arg('input', () => AccessRequestRefInput) input: AccessRequestRefInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    return { request: await context.services.accessRequests.checkIn(currentUser(context), input.requestId) };
  }
}

@Authorized()
@Resolver(() => RecordSession)
export class SessionResolver {
  @Authorized(Role.SESSION_BROKER, Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SessionPayload, { description: 'A session broker reports a session starting on a record.' })
  async startSession(@Arg('input', () => StartSessionInput) input: StartSessionInput, @Ctx() context: StewardContext): Promise<SessionPayload> {
    return { session: await context.services.lifecycle.startSession(currentUser(context), input.recordId, input.subject) };
  }

  @Authorized(Role.SESSION_BROKER, Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SessionPayload, { description: "A session broker reports a session ending; fires the record's After Session tasks." })
  async endSession(@Arg('input', () => SessionRefInput) input: SessionRefInput, @Ctx() context: StewardContext): Promise<SessionPayload> {
    return { session: await context.services.lifecycle.endSession(currentUser(context), input.sessionId) };
  }

  @FieldResolver(() => ID)
  recordId(@Root() session: RecordSession): string {
    return session.record.id;
  }
}
