import { DefaultLogger, type LogContext, type LoggerNamespace } from '@mikro-orm/core';
import { logger } from '../infra/logger';

const LEVEL = { info: 'info', warning: 'warn', error: 'error' } as const;

/** MikroORM's messages as lines of Steward's JSON log. Only the message: a query's parameters (which may hold secrets) are never logged. */
export class OrmLogger extends DefaultLogger {
  override log(namespace: LoggerNamespace | (string & {}), message: string, context?: LogContext): void {
    if (!this.isEnabled(namespace as LoggerNamespace, context)) return;
    logger[LEVEL[context?.level ?? 'info']]({ source: 'mikro-orm', namespace, ...(context?.took != null ? { tookMs: context.took } : {}) }, message.replace(/\s+/g, ' ').trim());
  }
}
