import { Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { AuditEvent } from '../../db/entities';
import { Role } from '../../lib/enums';
import { paginateNewestFirst } from '../../services/shared/pagination';
import { SCRIPT_LIBRARY } from '../../services/vault/script-library';
import type { StewardContext } from '../context';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { toConnection } from '../types/connection';
import { AuditEventConnection } from '../types/connections';
import { Script } from '../types/library-types';

@Authorized()
@Resolver()
export class LibraryResolver {
  @Query(() => [Script], { description: 'The built-in script library.' })
  scripts(): Script[] {
    return Object.values(SCRIPT_LIBRARY);
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Query(() => AuditEventConnection, { description: 'The append-only audit log, newest first.', complexity: connectionComplexity })
  async auditEvents(@Args(() => PageArgs) page: PageArgs, @Ctx() context: StewardContext) {
    const result = await paginateNewestFirst(context.em, AuditEvent, {}, page);
    return toConnection(result);
  }
}
