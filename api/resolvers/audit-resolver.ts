import { Arg, Args, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Role } from '../../lib/enums';
import { MAX_EXPORT_LINES } from '../../services/shared/audit-log';
import type { StewardContext } from '../context';
import { AuditEventFilterInput } from '../inputs/audit-inputs';
import { connectionComplexity, PageArgs } from '../inputs/page-args';
import { AuditChainVerification } from '../types/audit-types';
import { toConnection } from '../types/connection';
import { AuditEventConnection } from '../types/connections';

const DEFAULT_EXPORT_LINES = 1000;

/** The audit log, for administrators only. */
@Authorized(Role.SYSTEM_ADMINISTRATOR)
@Resolver()
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: 'The append-only audit log, newest first.', complexity: connectionComplexity })
  async auditEvents(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AuditEventFilterInput, { nullable: true, description: 'Narrows the list; every audit event when omitted.' }) filter: AuditEventFilterInput | undefined,
    @Ctx() context: StewardContext,
  ) {
    return toConnection(await context.services.auditLog.list(filter ?? {}, page));
  }

  @Query(() => String, { description: `The matching entries as JSON lines, newest first, at most \`limit\` (1–${MAX_EXPORT_LINES}); page further back with \`filter.to\`.` })
  exportAuditEvents(
    @Arg('filter', () => AuditEventFilterInput, { nullable: true, description: 'Narrows the export; every audit event when omitted.' }) filter: AuditEventFilterInput | undefined,
    @Arg('limit', () => Int, { defaultValue: DEFAULT_EXPORT_LINES, description: 'The most events to export, newest first.' }) limit: number,
    @Ctx() context: StewardContext,
  ): Promise<string> {
    return context.services.auditLog.exportJsonLines(filter ?? {}, limit);
  }

  @Query(() => AuditChainVerification, { description: "Recomputes the audit log's hash chain and names the first broken entry." })
  verifyAuditChain(@Ctx() context: StewardContext): Promise<AuditChainVerification> {
    return context.services.auditLog.verifyChain();
  }
}
