import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { SetUnverifiedClientTaskDocumentsAcceptedInput } from '../inputs/federation-inputs';
import { UnverifiedDocumentsPolicyPayload } from '../types/federation-types';

/** The policy for imported client task documents that no registered server's signature vouches for. */
@Authorized()
@Resolver()
export class ClientTaskDocumentPolicyResolver {
  @Query(() => Boolean, { description: 'Whether imports take client task documents that are unsigned or signed by a server not registered here.' })
  unverifiedClientTaskDocumentsAccepted(@Ctx() context: StewardContext): Promise<boolean> {
    return context.services.documentSignatures.unverifiedAccepted();
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => UnverifiedDocumentsPolicyPayload, { description: 'Decides whether imports take unsigned documents and those of unregistered signers; a signature that fails to verify is refused either way.' })
  async setUnverifiedClientTaskDocumentsAccepted(
    @Arg('input', () => SetUnverifiedClientTaskDocumentsAcceptedInput, { description: 'Whether unverified documents are accepted from now on.' }) input: SetUnverifiedClientTaskDocumentsAcceptedInput,
    @Ctx() context: StewardContext,
  ): Promise<UnverifiedDocumentsPolicyPayload> {
    return { unverifiedClientTaskDocumentsAccepted: await context.services.documentSignatures.setUnverifiedAccepted(currentActor(context), input.accepted) };
  }
}
