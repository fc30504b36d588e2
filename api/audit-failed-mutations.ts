import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ArgumentValidationError, type MiddlewareFn } from 'type-graphql';
import { AuditOutcome } from '../db/entities';
import { actorOf, type AuditEntry, recordAuditEventNow } from '../services/shared/audit';
import { failureAlreadyAudited, withFailureAuditScope } from '../services/shared/audit-scope';
import { DomainError, type DomainErrorCode } from '../services/shared/errors';
import type { StewardContext } from './context';

const OUTCOME_OF: Record<DomainErrorCode, AuditOutcome> = {
  FORBIDDEN: AuditOutcome.REFUSED,
  UNAUTHENTICATED: AuditOutcome.REFUSED,
  TOO_MANY_REQUESTS: AuditOutcome.REFUSED,
  BAD_USER_INPUT: AuditOutcome.INVALID,
  CONFLICT: AuditOutcome.CONFLICT,
  NOT_FOUND: AuditOutcome.NOT_FOUND,
};

/** The outcome and public code of an error the caller is told about; null for unexpected errors. */
function failureOf(error: unknown): { outcome: AuditOutcome; code: string } | null {
  if (error instanceof DomainError) return { outcome: OUTCOME_OF[error.code], code: error.code };
  if (error instanceof ArgumentValidationError) return { outcome: AuditOutcome.INVALID, code: 'BAD_USER_INPUT' };
  if (error instanceof OptimisticLockError || error instanceof UniqueConstraintViolationException) return { outcome: AuditOutcome.CONFLICT, code: 'CONFLICT' };
  return null;
}

/** The ID of the object a mutation names (`id`, or `input.id`), never any other input value. */
function objectIdOf(args: Record<string, unknown>): string | undefined {
  const input = args.input as Record<string, unknown> | undefined;
  const id = args.id ?? input?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
}

/**
 * Audits every mutation that ends in an error the caller is told about (refused, invalid,
 * conflict, not found), unless its service already audited that failure. The entry is written on
 * its own EntityManager fork, since the request's unit of work rolls back; it names the mutation,
 * the actor, the object's ID and the error code, never the inputs. Refusals by @Authorized are
 * audited by the auth checker, which runs before this.
 */
export const auditFailedMutations: MiddlewareFn<StewardContext> = ({ context, info, args }, next) => {
  if (info.parentType.name !== 'Mutation') return next();
  return withFailureAuditScope(async () => {
    try {
      return await next();
    } catch (error) {
      const failure = failureOf(error);
      if (failure && !failureAlreadyAudited()) {
        const objectId = objectIdOf(args);
        const entry: AuditEntry = {
          actor: context.user ? actorOf(context.user) : { id: null, name: 'anonymous' },
          action: info.fieldName,
          outcome: failure.outcome,
          details: { code: failure.code },
          ...(objectId ? { target: { id: objectId } } : {}),
        };
        await recordAuditEventNow(context.em, entry);
      }
      throw error;
    }
  });
};
