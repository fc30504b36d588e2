import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { ManagedSystem, VaultRecord } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor } from '../context';
import { ScanHostKeyInput } from '../inputs/host-key-inputs';
import { HostKeyMismatch, ScanHostKeyPayload } from '../types/host-key-types';
import { type HostKeyMismatchView, hostKeyMismatchOf } from '../../services/systems/host-key-mismatch';

@Resolver()
export class HostKeyResolver {
  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ScanHostKeyPayload, { description: 'Reads a host’s SSH key without logging in, for an administrator to confirm before pinning it. Nothing is pinned.' })
  scanHostKey(@Arg('input', () => ScanHostKeyInput, { description: 'The host and SSH port to read the key of.' }) input: ScanHostKeyInput, @Ctx() context: StewardContext): Promise<ScanHostKeyPayload> {
    return context.services.hostKeys.scan(currentActor(context), input.host, input.port ?? undefined);
  }
}

const MISMATCH_DESCRIPTION = 'Set when the host presented another key than the pinned one, so a job refused to connect; cleared when a key is pinned again.';

@Resolver(() => VaultRecord)
export class RecordHostKeyResolver {
  @FieldResolver(() => HostKeyMismatch, { nullable: true, description: MISMATCH_DESCRIPTION })
  hostKeyMismatch(@Root() record: VaultRecord): HostKeyMismatchView | null {
    return hostKeyMismatchOf(record);
  }
}

@Resolver(() => ManagedSystem)
export class SystemHostKeyResolver {
  @FieldResolver(() => HostKeyMismatch, { nullable: true, description: MISMATCH_DESCRIPTION })
  hostKeyMismatch(@Root() system: ManagedSystem): HostKeyMismatchView | null {
    return hostKeyMismatchOf(system);
  }
}
