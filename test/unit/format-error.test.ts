import { DriverException, OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError, locatedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { DATABASE_UNAVAILABLE, formatError } from '../../api/format-error';
import { logger } from '../../infra/logger';
import {
  BadInputError,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
} from '../../services/shared/errors';

const LOCATIONS = [{ line: 2, column: 3 }];
const PATH = ['createRecord'];

/** What Apollo hands formatError: the error as JSON, with its code defaulted and a stack trace. */
function formattedFrom(error: GraphQLError, code = 'INTERNAL_SERVER_ERROR'): GraphQLFormattedError {
  return {
    message: error.message,
    locations: LOCATIONS,
    path: PATH,
    extensions: { code, ...error.extensions, stacktrace: (error.stack ?? '').split('\n') },
  };
}

/** An error thrown in a resolver, as graphql-js reports it: wrapped, with the original kept. */
function fromResolver(original: Error): GraphQLError {
  return locatedError(original, undefined, PATH);
}

describe('formatError', () => {
  let loggedError: jest.SpyInstance;

  beforeEach(() => {
    loggedError = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    loggedError.mockRestore();
  });

  describe('domain errors', () => {
    it.each([
      [new NotFoundError('Record', '0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11'), 'NOT_FOUND', 'Record 0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11 was not found'],
      [new ConflictError('A user named "x" already exists'), 'CONFLICT', 'A user named "x" already exists'],
      [new ForbiddenError(), 'FORBIDDEN', 'You are not allowed to do this'],
      [new UnauthenticatedError(), 'UNAUTHENTICATED', 'Sign in first: send a bearer token from login or createApiToken'],
    ])('maps %p to its code and message', (original, code, message) => {
      const error = fromResolver(original);
      const result = formatError(formattedFrom(error), error);
      expect(result).toEqual({ message, locations: LOCATIONS, path: PATH, extensions: { code } });
      expect(loggedError).not.toHaveBeenCalled();
    });

    it('adds the field of a BadInputError', () => {
      const error = fromResolver(new BadInputError('Port 0 is outside 1–65535', 'port'));
      expect(formatError(formattedFrom(error), error)).toEqual({
        message: 'Port 0 is outside 1–65535',
        locations: LOCATIONS,
        path: PATH,
        extensions: { code: 'BAD_USER_INPUT', field: 'port' },
      });
    });

    it('maps a DomainError that is not wrapped in a GraphQLError', () => {
      const original = new BadInputError('bad', 'name');
      expect(formatError({ message: 'bad', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, original)).toEqual({
        message: 'bad',
        extensions: { code: 'BAD_USER_INPUT', field: 'name' },
      });
    });

    it('maps a subclass declared outside services/errors', () => {
      class RecordLockedError extends DomainError {
        constructor() {
          super('CONFLICT', 'The record is being rotated', 'recordId');
        }
      }
      const error = fromResolver(new RecordLockedError());
      expect(formatError(formattedFrom(error), error)).toMatchObject({
        message: 'The record is being rotated',
        extensions: { code: 'CONFLICT', field: 'recordId' },
      });
    });

    it('drops the stack trace', () => {
      const error = fromResolver(new NotFoundError('Job', 'x'));
      const result = formatError(formattedFrom(error), error);
      expect(result.extensions).not.toHaveProperty('stacktrace');
      expect(JSON.stringify(result)).not.toContain('at ');
    });
  });

  describe('MikroORM errors', () => {
    it('maps an OptimisticLockError to CONFLICT with an explanation, not the ORM message', () => {
      const original = OptimisticLockError.lockFailed('VaultRecord');
      const error = fromResolver(original);
      const result = formatError(formattedFrom(error), error);
      expect(result).toEqual({
        message: 'Someone else changed this first; reload it and try again',
        locations: LOCATIONS,
        path: PATH,
        extensions: { code: 'CONFLICT' },
      });
      expect(result.message).not.toContain(original.message);
      expect(loggedError).not.toHaveBeenCalled();
    });

    it('maps a unique constraint violation to CONFLICT without the SQL', () => {
      const driverError = new Error(
        'insert into "user" ("username", "password_hash") values (\'bob\', \'$argon2id$secret\') - duplicate key value violates unique constraint "user_username_unique"',
      );
      const error = fromResolver(new UniqueConstraintViolationException(driverError));
      const result = formatError(formattedFrom(error), error);
      expect(result).toEqual({ message: 'That name is already taken', locations: LOCATIONS, path: PATH, extensions: { code: 'CONFLICT' } });
      expect(JSON.stringify(result)).not.toMatch(/insert|argon2|user_username_unique/);
    });
  });

  describe('unexpected errors', () => {
    const LEAKY_MESSAGE =
      'select * from "vault_record" where "password" = \'hunter2\' - connect to postgres://steward:password=hunter2@db:5432 failed';

    it('masks them as INTERNAL_SERVER_ERROR and leaks nothing of the original', () => {
      const original = new Error(LEAKY_MESSAGE);
      const error = fromResolver(original);
      const result = formatError(formattedFrom(error), error);
      expect(result).toEqual({ message: 'Internal server error', locations: LOCATIONS, path: PATH, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      const serialized = JSON.stringify(result);
      expect(serialized).not.toContain('hunter2');
      expect(serialized).not.toContain('password');
      expect(serialized).not.toContain('select');
      expect(serialized).not.toContain('vault_record');
    });

    it('logs the original error on the server', () => {
      const original = new Error(LEAKY_MESSAGE);
      const error = fromResolver(original);
      formatError(formattedFrom(error), error);
      expect(loggedError).toHaveBeenCalledTimes(1);
      expect(loggedError).toHaveBeenCalledWith({ err: original }, expect.any(String));
    });

    it('masks a thrown non-Error value', () => {
      const result = formatError({ message: 'Unexpected error value: "password=hunter2"', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, 'password=hunter2');
      expect(result).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(loggedError).toHaveBeenCalled();
    });

    it('masks a GraphQLError whose code is not one of the public codes', () => {
      const error = new GraphQLError('upstream failed: token=stw_abc', { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } });
      const result = formatError(formattedFrom(error), error);
      expect(result).toEqual({ message: 'Internal server error', locations: LOCATIONS, path: PATH, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(result)).not.toContain('stw_abc');
      expect(loggedError).toHaveBeenCalled();
    });
  });

  describe('GraphQL errors with a public code', () => {
    it('keeps the message of a validation failure', () => {
      const error = new GraphQLError('Cannot query field "pasword" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      expect(formatError(formattedFrom(error), error)).toEqual({
        message: 'Cannot query field "pasword" on type "Query".',
        locations: LOCATIONS,
        path: PATH,
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
      expect(loggedError).not.toHaveBeenCalled();
    });

    it('lists the constraint messages of class-validator failures after "Invalid input:"', () => {
      const validationErrors = [
        { property: 'first', value: 101, constraints: { max: 'first must not be greater than 100' }, children: [] },
        {
          property: 'input',
          value: { password: 'hunter2' },
          target: { input: { password: 'hunter2' } },
          children: [
            {
              property: 'password',
              value: 'hunter2',
              constraints: { minLength: 'password must be longer than or equal to 12 characters', matches: 'password must not contain spaces' },
              children: [],
            },
          ],
        },
      ];
      const error = new GraphQLError('Argument Validation Error', { extensions: { code: 'BAD_USER_INPUT', validationErrors } });
      const result = formatError(formattedFrom(error), error);
      expect(result.message).toMatch(/^Invalid input: /);
      expect(result.message).toBe(
        'Invalid input: first must not be greater than 100; input.password must be longer than or equal to 12 characters; input.password must not contain spaces',
      );
      expect(result.extensions).toEqual({ code: 'BAD_USER_INPUT' });
      expect(JSON.stringify(result)).not.toContain('hunter2');
    });

    it('describes the ArgumentValidationError type-graphql throws from a resolver', () => {
      const error = fromResolver(
        new ArgumentValidationError([{ property: 'first', value: 0, constraints: { min: 'first must not be less than 1' }, children: [] }]),
      );
      const result = formatError(formattedFrom(error, 'BAD_USER_INPUT'), error);
      expect(result).toEqual({
        message: 'Invalid input: first must not be less than 1',
        locations: LOCATIONS,
        path: PATH,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });

    it('keeps the message of a BAD_USER_INPUT error without validation errors', () => {
      const error = new GraphQLError('This query costs 2700, over the limit of 2000', { extensions: { code: 'BAD_USER_INPUT' } });
      expect(formatError(formattedFrom(error), error)).toMatchObject({
        message: 'This query costs 2700, over the limit of 2000',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });
  });

  describe('a database that cannot be reached', () => {
    const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
    const refused = () => withCode('connect ECONNREFUSED 10.0.0.7:5432', 'ECONNREFUSED');

    it.each([
      ['refused connections', new DriverException(refused())],
      ['a server shutting down', new DriverException(withCode('terminating connection due to administrator command', '57P01'))],
      ['a server starting up', new DriverException(withCode('the database system is starting up', '57P03'))],
      ['a broken connection', new DriverException(withCode('server closed the connection unexpectedly', '08006'))],
      ['a connection lost mid-query', new DriverException(new Error('select 1 - Connection terminated unexpectedly'))],
      ['no free connection in the pool', Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' })],
      ['every address of the host refusing', new AggregateError([refused(), refused()], 'connect failed')],
    ])('answers SERVICE_UNAVAILABLE, retryable, for %s, and leaks nothing of it', (_, original) => {
      const error = fromResolver(original);
      const result = formatError(formattedFrom(error), error);
      expect(result).toEqual({ ...DATABASE_UNAVAILABLE, locations: LOCATIONS, path: PATH, extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } });
      expect(JSON.stringify(result)).not.toMatch(/10\.0\.0\.7|5432|select|administrator/);
    });

    it.each([
      ['a foreign key violation', new DriverException(withCode('insert or update on table "jobs" violates foreign key constraint', '23503'))],
      ['a syntax error', new DriverException(withCode('syntax error at or near "selec"', '42601'))],
      ['a protocol violation (a NUL in a bound text)', new DriverException(withCode('invalid message format', '08P01'))],
    ])('still masks %s as INTERNAL_SERVER_ERROR: the same call would fail again', (_, original) => {
      const error = fromResolver(original);
      expect(formatError(formattedFrom(error), error).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    });
  });
});
