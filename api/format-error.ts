import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import { isDatabaseUnavailable } from '../db/database';
import { DomainError, TooManyRequestsError } from '../services/shared/errors';
import { logger } from '../infra/logger';

const PUBLIC_CODES = new Set([
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

interface ValidationFailure {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationFailure[];
}

function describeValidation(failures: ValidationFailure[], prefix = ''): string[] {
  return failures.flatMap((failure) => [
    ...Object.values(failure.constraints ?? {}).map((message) => `${prefix}${message}`),
    ...describeValidation(failure.children ?? [], `${prefix}${failure.property}.`),
  ]);
}

const VARIABLE_ERROR = /^Variable "(\$[^"]+)" got invalid value [\s\S]*?(?: at "([^"]+)")?; ([\s\S]*)$/;
const SAFE_EXPLANATION = /^(Field "[^"]+" is not defined by type "[^"]+"|Field "[^"]+" of required type "[^"]+" was not provided|Expected value of type "[^"]+"|\w+ cannot represent [a-z -]+value)/;

/** GraphQL's own message repeats the submitted value, which may be a password: keep only where and why. */
function withoutEchoedValue(message: string): string {
  const match = VARIABLE_ERROR.exec(message);
  if (!match) return message;
  const [, variable, path, explanation] = match;
  const why = SAFE_EXPLANATION.exec(explanation ?? '')?.[1];
  return `Variable "${variable}" got an invalid value${path ? ` at "${path}"` : ''}${why ? `: ${why}` : ''}`;
}

/**
 * What a client gets while PostgreSQL cannot be reached (it restarts, or fails over): the call
 * may be sent again in a moment, with the same idempotency key where it starts work.
 */
export const DATABASE_UNAVAILABLE = {
  message: 'The database is unavailable for a moment; try again shortly',
  extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
} as const;

/**
 * Maps domain errors to their codes and masks everything unexpected, so no stack trace, SQL or
 * secret reaches a client. The original goes to the server log.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const base = { locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    const retryAfter = original instanceof TooManyRequestsError ? { retryAfterSeconds: original.retryAfterSeconds } : {};
    return { ...base, message: original.message, extensions: { code: original.code, ...(original.field ? { field: original.field } : {}), ...retryAfter } };
  }
  if (original instanceof OptimisticLockError) {
    return { ...base, message: 'Someone else changed this first; reload it and try again', extensions: { code: 'CONFLICT' } };
  }
  if (original instanceof UniqueConstraintViolationException) {
    return { ...base, message: 'That name is already taken', extensions: { code: 'CONFLICT' } };
  }
  if (isDatabaseUnavailable(original)) {
    logger.error(`GraphQL request failed, the database is unavailable: ${(original as Error).message}`);
    return { ...base, ...DATABASE_UNAVAILABLE };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
    const validationErrors = formatted.extensions?.validationErrors as ValidationFailure[] | undefined;
    const message = validationErrors ? `Invalid input: ${describeValidation(validationErrors).join('; ')}` : withoutEchoedValue(formatted.message);
    return { ...base, message, extensions: { code } };
  }
  logger.error({ err: original }, 'unexpected error while serving GraphQL');
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
