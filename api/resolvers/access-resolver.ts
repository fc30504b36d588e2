import { Arg, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { AccessRequest, RecordSession, User, VaultRecord } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor, currentUser } from '../context';
import { AccessRequestRefInput, ApproveAccessInput, RequestAccessInput, SessionRefInput, StartSessionInput, UpdateSessionSettingsInput } from '../inputs/access-inputs';
import { byId } from '../../services/shared/idempotency';

@ObjectType({ description: 'What an access request mutation returns: the request in its new state.' })
export class AccessRequestPayload {
  @Field(() => AccessRequest, { description: 'The access request after the change.' })
  request!: AccessRequest;
}

@ObjectType({ description: 'What checkOutRecord returns: the request, now CHECKED_OUT, and the password.' })
export class CheckOutPayload {
  @Field(() => AccessRequest, { description: 'The access request, now CHECKED_OUT.' })
  request!: AccessRequest;

  @Field(() => String, { description: 'The password the host last accepted; the check-out is in the audit log.' })
  password!: string;

  @Field(() => Boolean, { description: 'True while a rotation of the password has not settled: the password may change as soon as it does.' })
  unsettledRotation!: boolean;
}

@ObjectType({ description: 'What startSession and endSession return.' })
export class SessionPayload {
  @Field(() => RecordSession, { description: 'The session after the change.' })
  session!: RecordSession;
}

@ObjectType({ description: 'How long a session may last before it counts as ended, reported or not.' })
export class SessionSettings {
  @Field(() => Int, { description: 'How long a session may last, in minutes (1–10080, a week); a session not ended by then ends by itself.' })
  maxSessionMinutes!: number;

  @Field(() => Int, { description: 'Optimistic-lock version of the server settings; send it back when updating.' })
  version!: number;
}

@ObjectType({ description: 'What updateSessionSettings returns.' })
export class SessionSettingsPayload {
  @Field(() => SessionSettings, { description: 'The session settings after the change.' })
  settings!: SessionSettings;
}

@Authorized()
@Resolver(() => AccessRequest)
export class AccessRequestResolver {
  @Query(() => [AccessRequest], { description: 'Access requests on records you may view, newest first (at most 100), optionally of one record.' })
  accessRequests(@Arg('recordId', () => ID, { nullable: true, description: 'Only the requests on this record; all the requests you may see when omitted.' }) recordId: string | undefined, @Ctx() context: StewardContext): Promise<AccessRequest[]> {
    return context.services.accessRequests.list(currentUser(context), recordId);
  }

  @FieldResolver(() => VaultRecord, { description: 'The record access was asked for.' })
  record(@Root() request: AccessRequest): Promise<VaultRecord> {
    return request.record.loadOrFail();
  }

  @FieldResolver(() => User, { description: 'Who asked for access.' })
  requester(@Root() request: AccessRequest): Promise<User> {
    return request.requester.loadOrFail();
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who approved or denied it; null while PENDING, or once that user is deleted.' })
  async decidedBy(@Root() request: AccessRequest): Promise<User | null> {
    return (await request.decidedBy?.load()) ?? null;
  }

  @Mutation(() => AccessRequestPayload, { description: 'Asks for access to a record you may view; an approver decides.' })
  async requestAccess(@Arg('input', () => RequestAccessInput, { description: 'The record and, optionally, why you need access.' }) input: RequestAccessInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    const { accessRequests, idempotency } = context.services;
    const user = currentUser(context);
    const request = () => accessRequests.request(user, input.recordId, input.reason);
    return { request: await idempotency.once(user, 'requestAccess', input, request, byId((id) => accessRequests.viewable(user, id))) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => AccessRequestPayload, { description: "Approves for a duration; fires the record's After Approval tasks. Not your own request." })
  async approveAccessRequest(@Arg('input', () => ApproveAccessInput, { description: 'The PENDING request and how many minutes the access lasts.' }) input: ApproveAccessInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    return { request: await context.services.accessRequests.approve(currentUser(context), input.requestId, input.durationMinutes) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => AccessRequestPayload, { description: 'Denies a PENDING access request; it becomes DENIED.' })
  async denyAccessRequest(@Arg('input', () => AccessRequestRefInput, { description: 'The PENDING access request to deny.' }) input: AccessRequestRefInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    return { request: await context.services.accessRequests.deny(currentUser(context), input.requestId) };
  }

  @Mutation(() => CheckOutPayload, {
    description: 'The requester checks the record out while the approval lasts, and gets its password; fires the record’s After Unlock tasks, as unlockRecord does.',
  })
  async checkOutRecord(@Arg('input', () => AccessRequestRefInput, { description: 'The APPROVED access request to check out.' }) input: AccessRequestRefInput, @Ctx() context: StewardContext): Promise<CheckOutPayload> {
    return context.services.accessRequests.checkOut(currentUser(context), input.requestId);
  }

  @Mutation(() => AccessRequestPayload, { description: "Checks the record back in; fires its After Check-In tasks." })
  async checkInRecord(@Arg('input', () => AccessRequestRefInput, { description: 'The CHECKED_OUT access request to check in.' }) input: AccessRequestRefInput, @Ctx() context: StewardContext): Promise<AccessRequestPayload> {
    return { request: await context.services.accessRequests.checkIn(currentUser(context), input.requestId) };
  }
}

@Authorized()
@Resolver(() => RecordSession)
export class SessionResolver {
  @Authorized(Role.SESSION_BROKER, Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SessionPayload, { description: 'A session broker reports a session starting on a record.' })
  async startSession(@Arg('input', () => StartSessionInput, { description: 'The record and who the session is for.' }) input: StartSessionInput, @Ctx() context: StewardContext): Promise<SessionPayload> {
    return { session: await context.services.lifecycle.startSession(currentUser(context), input.recordId, input.subject) };
  }

  @Authorized(Role.SESSION_BROKER, Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SessionPayload, { description: "A session broker reports the end of a session it started; fires the record's After Session tasks." })
  async endSession(@Arg('input', () => SessionRefInput, { description: 'The session that ended.' }) input: SessionRefInput, @Ctx() context: StewardContext): Promise<SessionPayload> {
    return { session: await context.services.lifecycle.endSession(currentUser(context), input.sessionId) };
  }

  @FieldResolver(() => ID, { description: 'The record the session uses.' })
  recordId(@Root() session: RecordSession): string {
    return session.record.id;
  }

  @Query(() => SessionSettings, { description: 'How long a session may last before it counts as ended.' })
  sessionSettings(@Ctx() context: StewardContext): Promise<SessionSettings> {
    return context.services.sessions.settings();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => SessionSettingsPayload, { description: 'Changes the session settings, such as how long a session may last.' })
  async updateSessionSettings(
    @Arg('input', () => UpdateSessionSettingsInput, { description: 'The new session settings and the version you read.' }) input: UpdateSessionSettingsInput,
    @Ctx() context: StewardContext,
  ): Promise<SessionSettingsPayload> {
    return { settings: await context.services.sessions.updateSettings(currentActor(context), input) };
  }
}
