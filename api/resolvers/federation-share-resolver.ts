import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { StewardContext } from '../context';
import { ReceiveShareBundleInput } from '../inputs/federation-inputs';
import { ReceiveShareBundlePayload } from '../types/federation-types';

/**
 * Where peers deliver shared client tasks. Deliberately not @Authorized: a peer has no user and no
 * token here. The bundle's signature, checked against the key an administrator registered for its
 * issuer, is the credential, and it grants exactly this one mutation, which can only create, update
 * and withdraw tasks whose origin is that issuer. A signed-in user gains nothing by calling it.
 */
@Resolver()
export class ShareBundleResolver {
  @Mutation(() => ReceiveShareBundlePayload, {
    description:
      'Receives a bundle of shared client tasks signed by a registered server. Needs no token: the signature is the credential. A refused bundle is FORBIDDEN with the rule that failed in the message (UNKNOWN_ISSUER, DISABLED_ISSUER, BAD_SIGNATURE, WRONG_AUDIENCE, EXPIRED, NOT_YET_VALID, REPLAYED, OVERSIZED, MALFORMED) and changes nothing.',
  })
  receiveShareBundle(@Arg('input', () => ReceiveShareBundleInput, { description: 'The signed bundle the peer sends.' }) input: ReceiveShareBundleInput, @Ctx() context: StewardContext): Promise<ReceiveShareBundlePayload> {
    return context.services.shareReceiver.receive(input.bundle);
  }
}
