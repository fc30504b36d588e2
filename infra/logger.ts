/**
 * Structured logs: one JSON object a line on stdout, with `level`, `time` and `msg`. Lines written
 * while serving a request or running an activity carry its IDs (requestId; jobId and workflowId)
 * without passing a logger around: the IDs ride the async context (`withLogContext`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

export type { Logger };

/** What a line is about: a request's ID, or the job and workflow an activity works for. */
export interface LogContext {
  requestId?: string;
  jobId?: string;
  workflowId?: string;
  activity?: string;
}

/**
 * Field names that hold secrets, at the top of a logged object and one level down (pino's redact
 * paths do not reach deeper). Logging calls pass IDs and messages, never entities or inputs; this
 * is the net under that rule.
 */
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'pendingPassword',
  'generatedPassword',
  'passphrase',
  'privateKey',
  'masterKey',
  'secret',
  'token',
  'authorization',
  'cookie',
  'credentials',
];
export const REDACTED_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`), 'headers.authorization', 'headers.cookie'];

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with these IDs on every line logged inside it, added to those of an enclosing context. */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** A logger writing to `destination` (stdout unless given): tests pass their own to read the lines. */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.STEWARD_LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...context.getStore() }),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // The Temporal SDK passes errors as `error`; both keys keep their message and stack.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ sync: true }),
  );
}

/** The process's logger. */
export const logger = createLogger();
